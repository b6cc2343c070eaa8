"""Dynamo's own VirtualConnectorCoordinator (the planner side) as a test peer.

usage: interop_coordinator.py NAMESPACE P:D[,P:D...] [MAX_WAIT_SECONDS]

Writes each (prefill, decode) decision with Dynamo's coordinator, waits with Dynamo's
wait_for_scaling_completion, and prints one JSON line per decision with the seconds the wait
took. Dynamo logs "Scaling decision completed decision_id=N" when it saw the acknowledgement.

Upstream quirk worked around: Dynamo 1.0.2's wait_for_scaling_completion sleeps between polls
only while scaled_decision_id is missing; once the key exists it polls max_retries times without
pausing, so with a small max_retries every wait after the first returns (with "Timeout waiting")
before the client can answer. The coordinator is therefore made with a very large max_retries:
its wait then ends when the acknowledgement arrives (or after that many polls).
etcd comes from ETCD_ENDPOINTS and the ETCD_AUTH_* variables, read by Dynamo's runtime.
"""
import asyncio
import json
import os
import sys
import time

from dynamo._core import VirtualConnectorCoordinator
from dynamo.runtime import DistributedRuntime


async def main(namespace: str, decisions: list[tuple[int, int]], max_wait: int) -> None:
    runtime = DistributedRuntime(asyncio.get_running_loop(), "etcd", "tcp", False)
    coordinator = VirtualConnectorCoordinator(runtime, namespace, 1, max_wait, 10**9)
    await coordinator.async_init()
    for index, (prefill, decode) in enumerate(decisions):
        start = time.monotonic()
        await coordinator.update_scaling_decision(num_prefill=prefill, num_decode=decode)
        await coordinator.wait_for_scaling_completion()
        state = coordinator.read_state()
        print(json.dumps({
            "index": index, "prefill": prefill, "decode": decode,
            "seconds": round(time.monotonic() - start, 3),
            "decision_id": state.decision_id,
            "state_prefill": state.num_prefill_workers, "state_decode": state.num_decode_workers,
        }), flush=True)
    # Dynamo 1.0.2's runtime can abort in interpreter finalisation after its shutdown
    # ("PyGILState_Release: thread state ... must be current"): leave without finalising.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    pairs = [tuple(int(v) for v in item.split(":")) for item in sys.argv[2].split(",")]
    asyncio.run(main(sys.argv[1], pairs, int(sys.argv[3]) if len(sys.argv) > 3 else 30))
