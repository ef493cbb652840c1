from openlifter.cli import main

main()
