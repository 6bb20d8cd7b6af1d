import socket

from livecore.services.ports import free_port_pair


def test_free_port_pair_leaves_room_for_the_cluster_bus_port() -> None:
    for _ in range(20):
        port = free_port_pair()
        assert 0 < port <= 55535
        for p in (port, port + 10_000):
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", p))  # both free
