"""Dynamo's own VirtualConnectorClient (the environment side) as a test peer.

usage: interop_client.py NAMESPACE SECONDS

For SECONDS: waits for each decision (wait), reads it (get), acknowledges it (complete) and
prints one JSON line per decision. Then prints {"done": true} and exits 0.
etcd comes from ETCD_ENDPOINTS and the ETCD_AUTH_* variables, read by Dynamo's runtime.
"""
import asyncio
import json
import os
import sys
import time

from dynamo._core import VirtualConnectorClient
from dynamo.runtime import DistributedRuntime


async def main(namespace: str, seconds: float) -> None:
    runtime = DistributedRuntime(asyncio.get_running_loop(), "etcd", "tcp", False)
    client = VirtualConnectorClient(runtime, namespace)
    print(json.dumps({"ready": True}), flush=True)
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            await asyncio.wait_for(client.wait(), timeout=left)
        except asyncio.TimeoutError:
            break
        decision = await client.get()
        print(json.dumps({
            "decision_id": decision.decision_id,
            "prefill": decision.num_prefill_workers, "decode": decision.num_decode_workers,
        }), flush=True)
        await client.complete(decision)
    print(json.dumps({"done": True}), flush=True)
    # Dynamo 1.0.2's runtime can abort in interpreter finalisation after its shutdown
    # ("PyGILState_Release: thread state ... must be current"): leave without finalising.
    sys.stdout.flush()
    os._exit(0)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], float(sys.argv[2])))
