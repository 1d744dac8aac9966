# Locust HttpUser (python-requests) for bench/run.sh: one GET, no wait.
import os

from locust import HttpUser, constant, task

PATH = os.environ.get("BENCH_PATH", "/")


class Hammer(HttpUser):
    wait_time = constant(float(os.environ.get("BENCH_WAIT", "0")))

    @task
    def hit(self):
        self.client.get(PATH, name=PATH)
