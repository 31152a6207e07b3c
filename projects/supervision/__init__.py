"""After the code (赋码之后): approval stages and items with working-day clocks, progress supervision, anomaly
warnings, double-random inspections (双随机、一公开) and the central-platform feed.

Every module here works on coded projects only: no valid project code, no approval (无码不批).
"""
