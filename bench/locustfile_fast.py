# Locust FastHttpUser for bench/run.sh: one GET, no wait (closed loop).
# BENCH_PATH and BENCH_WAIT (seconds) let the memory and latency modes reuse it.
import os

from locust import FastHttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/")


class Hammer(FastHttpUser):
    wait_time = constant(float(os.environ.get("BENCH_WAIT", "0")))

    @task
    def hit(self):
        self.client.get(PATH, name=PATH)
