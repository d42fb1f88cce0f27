"""Run by test_atomic_save.py in a new process: save two networks over one path, alternately, until killed.

Usage: python save_loop_helper.py FIRST SECOND TARGET

Prints "ready" once both networks are loaded, then saves FIRST's network, then
SECOND's, then FIRST's... to TARGET, forever. The test kills it with SIGKILL at
a random moment and checks TARGET still loads as one of the two.
"""

from __future__ import annotations

import sys

from smolml_core import load_network


def main(first: str, second: str, target: str) -> None:
    networks = [load_network(first), load_network(second)]
    print("ready", flush=True)
    while True:
        for network in networks:
            network.save(target)


if __name__ == "__main__":
    main(*sys.argv[1:])
