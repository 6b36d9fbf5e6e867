from ioscope.cli.main import main

main()
