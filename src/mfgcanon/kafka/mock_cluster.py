"""A Kafka-protocol broker on loopback, for tests, notebooks and benchmarks.

No Kafka broker can be installed from the package registries, but librdkafka (inside the
``confluent-kafka`` wheel) carries a mock cluster that speaks the Kafka protocol: Produce, Fetch,
ListOffsets, Metadata, offset commits and consumer groups. It cannot create topics over the protocol,
so topics are created here, before clients use them. It runs inside the calling process (on
librdkafka's own threads) or, with ``python -m mfgcanon.kafka.mock_cluster topic:partitions ...``, as
a separate process that prints ``BOOTSTRAP host:port`` and serves until it is terminated.
"""

from __future__ import annotations

import ctypes
import glob
import os
import signal
import sys
import threading
from types import TracebackType

from mfgcanon.errors import ErrorCode, MfgcanonError

__all__ = ["MockCluster", "MockClusterError"]

_RD_KAFKA_PRODUCER = 0
_lock = threading.Lock()
_library: ctypes.CDLL | None = None


class MockClusterError(MfgcanonError):
    """librdkafka's mock cluster could not be loaded or started."""

    code: ErrorCode = "broker_error"


def _librdkafka() -> ctypes.CDLL:
    """The librdkafka shipped in the confluent-kafka wheel, with the mock API's signatures declared."""
    global _library
    with _lock:
        if _library is not None:
            return _library
        try:
            import confluent_kafka
        except ImportError as exc:  # pragma: no cover - the kafka extra is missing
            raise MockClusterError("the mock cluster needs confluent-kafka: pip install 'mfgcanon[kafka]'") from exc
        package = os.path.dirname(confluent_kafka.__file__)
        candidates = sorted(glob.glob(os.path.join(package, "..", "confluent_kafka.libs", "librdkafka*.so*")))
        candidates += sorted(glob.glob(os.path.join(package, ".dylibs", "librdkafka*.dylib")))
        if not candidates:
            raise MockClusterError(f"no librdkafka library beside confluent_kafka in {package!r}")
        lib = ctypes.CDLL(candidates[0])
        lib.rd_kafka_conf_new.restype = ctypes.c_void_p
        lib.rd_kafka_conf_set.argtypes = [
            ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_size_t,
        ]
        lib.rd_kafka_new.restype = ctypes.c_void_p
        lib.rd_kafka_new.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_char_p, ctypes.c_size_t]
        lib.rd_kafka_destroy.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_cluster_new.restype = ctypes.c_void_p
        lib.rd_kafka_mock_cluster_new.argtypes = [ctypes.c_void_p, ctypes.c_int]
        lib.rd_kafka_mock_cluster_destroy.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_cluster_bootstraps.restype = ctypes.c_char_p
        lib.rd_kafka_mock_cluster_bootstraps.argtypes = [ctypes.c_void_p]
        lib.rd_kafka_mock_topic_create.restype = ctypes.c_int
        lib.rd_kafka_mock_topic_create.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_int]
        _library = lib
        return lib


class MockCluster:
    """A running mock cluster; use as a context manager, or call :meth:`close` when done.

    >>> with MockCluster(brokers=1) as cluster:        # doctest: +SKIP
    ...     cluster.create_topic("mfgcanon.events", partitions=3)
    ...     Producer({"bootstrap.servers": cluster.bootstrap_servers})
    """

    def __init__(self, brokers: int = 1) -> None:
        self._lib = _librdkafka()
        errstr = ctypes.create_string_buffer(512)
        conf = self._lib.rd_kafka_conf_new()
        self._lib.rd_kafka_conf_set(conf, b"client.id", b"mfgcanon-mock-cluster", errstr, len(errstr))
        # The owning handle has no bootstrap servers of its own; silence its warning about that.
        self._lib.rd_kafka_conf_set(conf, b"log_level", b"3", errstr, len(errstr))
        # The handle that owns the cluster; it never produces anything itself.
        self._handle = self._lib.rd_kafka_new(_RD_KAFKA_PRODUCER, conf, errstr, len(errstr))
        if not self._handle:
            raise MockClusterError(f"librdkafka refused a client handle: {errstr.value.decode(errors='replace')}")
        self._cluster = self._lib.rd_kafka_mock_cluster_new(self._handle, brokers)
        if not self._cluster:
            self._lib.rd_kafka_destroy(self._handle)
            raise MockClusterError("librdkafka could not start a mock cluster")
        self.bootstrap_servers: str = self._lib.rd_kafka_mock_cluster_bootstraps(self._cluster).decode()
        self.topics: dict[str, int] = {}

    def create_topic(self, name: str, partitions: int = 1, replication_factor: int = 1) -> None:
        """Create ``name``: the mock broker does not implement CreateTopics, so clients cannot."""
        if name in self.topics:
            raise MockClusterError(f"topic {name!r} exists already")
        err = self._lib.rd_kafka_mock_topic_create(self._cluster, name.encode(), partitions, replication_factor)
        if err:
            raise MockClusterError(f"could not create topic {name!r} (librdkafka error {err})")
        self.topics[name] = partitions

    def close(self) -> None:
        """Stop the brokers; clients still connected see their connections drop."""
        if self._cluster:
            self._lib.rd_kafka_mock_cluster_destroy(self._cluster)
            self._cluster = None
        if self._handle:
            self._lib.rd_kafka_destroy(self._handle)
            self._handle = None

    def __enter__(self) -> MockCluster:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def main(argv: list[str] | None = None) -> int:
    """Serve a mock cluster in this process: ``topic[:partitions]`` arguments, ``BOOTSTRAP`` on stdout."""
    cluster = MockCluster()
    for spec in argv if argv is not None else sys.argv[1:]:
        name, _, partitions = spec.partition(":")
        cluster.create_topic(name, int(partitions or 1))
    print("BOOTSTRAP", cluster.bootstrap_servers, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    cluster.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
