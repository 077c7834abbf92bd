import os

import pytest

from leadscore.celery import ping

pytestmark = pytest.mark.worker


def test_a_task_runs_in_a_separate_worker_process_through_the_broker(celery_worker_process):
    result = ping.delay().get(timeout=30)
    assert result["pid"] == celery_worker_process.pid
    assert result["pid"] != os.getpid()
