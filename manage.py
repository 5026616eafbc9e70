#!/usr/bin/env python
from wuxing.manage import main

if __name__ == "__main__":
    main()
