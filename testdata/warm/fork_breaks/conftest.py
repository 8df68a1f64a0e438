import os

# Stands for a connection opened while the suite boots: usable only by the process that opened it.
CONNECTION_OWNER = os.getpid()
