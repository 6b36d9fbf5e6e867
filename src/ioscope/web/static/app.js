// ioscope web UI: the interactive network view. Served as a static file (the CSP forbids inline
// scripts). Data comes from the page's own JSON twin; every label is set with textContent, never
// parsed as HTML, and links are built from encoded parameters on this origin only.
"use strict";

(function () {
  const SVG = "http://www.w3.org/2000/svg";

  function el(name, attrs) {
    const e = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
    return e;
  }

  function accountUrl(platform, id) {
    return "/account?" + new URLSearchParams({ platform: String(platform), id: String(id) }).toString();
  }

  function draw(box, net) {
    const W = Number(box.dataset.width) || 900, H = Number(box.dataset.height) || 640;
    const svg = el("svg", { viewBox: `0 0 ${W} ${H}`, role: "img" });
    const view = el("g", {});
    const gEdges = el("g", { stroke: "#8c8c8c", "stroke-opacity": "0.55" });
    const gNodes = el("g", { stroke: "#fff", "stroke-width": "0.8" });
    const gLabels = el("g", { "font-size": "10", fill: "#222" });
    view.append(gEdges, gNodes, gLabels);
    svg.append(view);
    const key = (platform, id) => String(platform) + "\u0000" + String(id);
    const byId = new Map();
    net.nodes.forEach((n) => { n.key = key(n.platform, n.account_id); byId.set(n.key, n); });
    const wmax = Math.max(1, ...net.edges.map((e) => Number(e.weight) || 1));
    const neighbours = new Map(net.nodes.map((n) => [n.key, new Set()]));
    const lines = [];
    for (const e of net.edges) {
      const a = byId.get(key(e.platform_1, e.account_1)), b = byId.get(key(e.platform_2, e.account_2));
      if (!a || !b) continue;
      const line = el("line", { x1: a.x, y1: a.y, x2: b.x, y2: b.y, "stroke-width": 0.4 + 2 * (Number(e.weight) || 1) / wmax });
      line.dataset.a = a.key; line.dataset.b = b.key;
      const t = el("title"); t.textContent = `${(e.signals || []).join(", ")} · weight ${e.weight}`;
      line.append(t);
      gEdges.append(line);
      lines.push(line);
      neighbours.get(a.key).add(b.key);
      neighbours.get(b.key).add(a.key);
    }
    const info = document.getElementById("network-info");
    const circles = [];
    for (const n of net.nodes) {
      const c = el("circle", { cx: n.x, cy: n.y, r: n.r || 4, fill: n.fill || "#999", class: "node" });
      const name = n.name || n.account_id;
      const t = el("title"); t.textContent = `${name} · cluster ${n.cluster_id} · strength ${n.strength}`;
      c.append(t);
      c.addEventListener("mouseenter", () => {
        const keep = neighbours.get(n.key);
        circles.forEach(([m, ci]) => ci.classList.toggle("dim", m.key !== n.key && !keep.has(m.key)));
        lines.forEach((l) => l.classList.toggle("dim", l.dataset.a !== n.key && l.dataset.b !== n.key));
        if (info) info.textContent = `${name} (cluster ${n.cluster_id}, ${keep.size} neighbours)`;
      });
      c.addEventListener("mouseleave", () => {
        circles.forEach(([, ci]) => ci.classList.remove("dim"));
        lines.forEach((l) => l.classList.remove("dim"));
        if (info) info.textContent = "";
      });
      c.addEventListener("click", (ev) => {
        if (!moved) window.location.assign(accountUrl(n.platform, n.account_id));
        ev.stopPropagation();
      });
      gNodes.append(c);
      circles.push([n, c]);
      if (n.label) {  // the server labels a few accounts of small clusters only (readable)
        const label = el("text", { x: n.x + (n.r || 4) + 2, y: n.y + 3 });
        label.textContent = n.label;
        gLabels.append(label);
      }
    }
    box.replaceChildren(svg);
    box.dataset.rendered = String(net.nodes.length);

    // pan and zoom
    let scale = 1, tx = 0, ty = 0, drag = null, moved = false;
    const apply = () => view.setAttribute("transform", `translate(${tx} ${ty}) scale(${scale})`);
    const toView = (ev) => {
      const r = svg.getBoundingClientRect();
      return [(ev.clientX - r.left) * W / r.width, (ev.clientY - r.top) * H / r.height];
    };
    svg.addEventListener("wheel", (ev) => {
      ev.preventDefault();
      const [x, y] = toView(ev);
      const f = ev.deltaY < 0 ? 1.15 : 1 / 1.15;
      const s = Math.min(20, Math.max(0.3, scale * f));
      tx = x - (x - tx) * s / scale; ty = y - (y - ty) * s / scale; scale = s;
      apply();
    }, { passive: false });
    svg.addEventListener("pointerdown", (ev) => { drag = [ev.clientX, ev.clientY, tx, ty]; moved = false; });
    window.addEventListener("pointermove", (ev) => {
      if (!drag) return;
      const r = svg.getBoundingClientRect();
      const dx = (ev.clientX - drag[0]) * W / r.width, dy = (ev.clientY - drag[1]) * H / r.height;
      if (Math.abs(dx) + Math.abs(dy) > 3) moved = true;
      tx = drag[2] + dx; ty = drag[3] + dy;
      apply();
    });
    window.addEventListener("pointerup", () => { drag = null; });
  }

  function pick(doc, path) {
    let v = doc.data;
    for (const k of (path || "").split(".").filter(Boolean)) v = v ? v[k] : undefined;
    return v;
  }

  document.addEventListener("DOMContentLoaded", () => {
    const box = document.getElementById("network");
    if (!box) return;
    const src = box.dataset.src;
    if (!src || !src.startsWith("/")) return;  // same origin only
    fetch(src, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then((r) => r.json())
      .then((doc) => {
        const net = pick(doc, box.dataset.path);
        if (net && Array.isArray(net.nodes)) draw(box, net);
        else box.textContent = "No network to draw.";
      })
      .catch((err) => { box.textContent = "The network could not be loaded: " + err; });
  });
})();
