"""Reference data shipped with ioscope, below every stage: the state-media registry and the
platforms' policies on state media (:mod:`~ioscope.reference.statemedia`,
:mod:`~ioscope.reference.policies`), USD exchange rates (:mod:`~ioscope.reference.fx`), places
and languages to countries (:mod:`~ioscope.reference.geo`) and to clocks
(:mod:`~ioscope.reference.languages`). Offline: nothing here touches the network.
"""
