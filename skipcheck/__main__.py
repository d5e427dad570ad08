from skipcheck.launch import main

main()
