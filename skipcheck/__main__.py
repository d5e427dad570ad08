from skipcheck.cli import main

main()
