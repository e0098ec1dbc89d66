"""Contract fuzzing with schemathesis: every operation of the four services' /openapi.yaml, with
requests generated from the document (valid and invalid ones), sent to the real binaries on a
private Tansu broker and the stack's Postgres. For every response: no 5xx, and the response
(status, headers, body) matches the document. For every refused request (4xx): the service's
database is exactly as it was before (each table's content hashed before and after).
Run by deploy/local/test.sh after the Swift tests."""

import base64
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "Tests"))
from service_processes import free_port, wait_for  # noqa: E402
BIN = ROOT / ".build" / "debug"
SERVICES = ["petitions", "hazards", "cases", "aggregator"]
TOKENS = "li:petitions_clerk:petitions-token,zhao:hazards_clerk:hazards-token,qian:cases_clerk:cases-token," \
         "wang:reader:reader-token,sun:office_admin:office-token"
CALLER = {"petitions": "petitions-token", "hazards": "hazards-token", "cases": "cases-token", "aggregator": "office-token"}
EXAMPLES = int(os.environ.get("CONTRACT_EXAMPLES", "15"))
# Tables the services change in the background, whatever the requests: the relays mark outbox
# rows published, the roster consumers and the aggregator's checks keep their own state.
BACKGROUND = {"outbox", "outbox_relay", "outbox_partitions", "roster", "roster_offsets", "consumer_offsets", "conservation_checks", "feeds"}
FINGERPRINT = """
SELECT string_agg(c.relname || ':' || (xpath('/row/f/text()', query_to_xml(format(
    'SELECT md5(coalesce(string_agg(t::text, %L ORDER BY t::text), %L)) AS f FROM %I t', ',', '', c.relname), false, true, '')))[1]::text,
    ' ' ORDER BY c.relname)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> ALL (string_to_array(:'background', ','))
"""


class Stack:
    """The four services, each with a database of its own, on a private broker."""

    def __init__(self):
        port = free_port()
        self.broker = subprocess.Popen([os.environ["TANSU_BIN"], "broker", "--listener-url", f"tcp://127.0.0.1:{port}",
                                        "--advertised-listener-url", f"tcp://127.0.0.1:{port}", "--storage-engine", "memory://tansu/"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        run = f"contract_{uuid.uuid4().hex[:8]}"
        self.base, self.database, self.processes = {}, {}, []
        for name in SERVICES:
            http = free_port()
            self.base[name] = f"http://127.0.0.1:{http}"
            self.database[name] = f"{run}_{name}"
            log = open(ROOT / ".local" / "logs" / f"contract-{name}.log", "w")
            env = dict(os.environ, HTTP_PORT=str(http), DATABASE_NAME=self.database[name], KAFKA_BOOTSTRAP_SERVERS=f"127.0.0.1:{port}",
                       AUTH_TOKENS=TOKENS, LOG_LEVEL="warning", PETITIONS_IDENTITY_KEY=base64.b64encode(os.urandom(32)).decode())
            self.processes.append(subprocess.Popen([str(BIN / name)], env=env, stdout=log, stderr=log))
        for name in SERVICES:
            wait_for(self.base[name] + "/health/live")

    def fingerprint(self, name):
        """Every table's content, hashed (but for the tables changed in the background)."""
        url = os.environ["DATABASE_URL"].rsplit("/", 1)[0] + "/" + self.database[name]
        return subprocess.run(["psql", url, "-XAtq", "-v", "background=" + ",".join(sorted(BACKGROUND)), "-f", "-"],
                              input=FINGERPRINT, capture_output=True, text=True, check=True).stdout

    def stop(self):
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            process.wait(30)
        self.broker.kill()
        self.broker.wait()


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    yield s
    s.stop()


def exercise(case, stack, name):
    before = stack.fingerprint(name)
    # A generated bearer token becomes the caller's real one; a negative case that leaves the
    # header out or malforms it goes as generated, and must be refused.
    generated = (case.headers or {}).get("Authorization", "")
    headers = {"Authorization": f"Bearer {CALLER[name]}"} if generated.startswith("Bearer ") else None
    response = case.call(base_url=stack.base[name], headers=headers)
    # Every check schemathesis has (no 5xx, status/headers/body as documented, invalid data
    # refused, …) but "schema-valid data is accepted": a valid-looking request for a subject not
    # on the roster, or a record that does not exist, is rightly refused — the document cannot say so.
    case.validate_response(response, excluded_checks=[positive_data_acceptance])
    if 400 <= response.status_code < 500:
        assert stack.fingerprint(name) == before, f"{case.method} {case.formatted_path} was refused ({response.status_code}) but wrote"


@pytest.mark.parametrize("name", SERVICES)
@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE])
def test_every_operation(stack, name, mode):
    """Requests that fit the document (positive) and requests that break it (negative), for every operation."""
    schema = schemathesis.openapi.from_url(stack.base[name] + "/openapi.yaml")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert operations, "the document lists no operation"
    failures = []
    for operation in operations:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def fuzz(case):
            exercise(case, stack, name)
        try:
            fuzz()
        except Unsatisfiable:
            pass  # nothing to break: an operation without parameters or body has no invalid request
        except Exception as error:
            failures.append(f"{operation.method.upper()} {operation.path}: {error}")
    assert not failures, f"{name} ({mode}):\n" + "\n\n".join(failures)
