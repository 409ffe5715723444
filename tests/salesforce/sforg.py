"""The emulated org's shared state: records, jobs, tokens, allocations, faults, counters, log."""

import collections
import math
import threading
import time

import sfids
from sfauth import Auth
from sfjobs import FAILED, OPEN, OPEN_TIMEOUT, TERMINAL, Processor, duration_text
from sfstore import Store


def _flag(v):
    return str(v).lower() in ("1", "true", "yes", "on")


def _drop_mode(v):
    v = str(v).lower()
    if v in ("", "0", "false", "off", "none"):
        return ""
    if v in ("1", "true", "before"):
        return "before"
    if v == "after":
        return "after"
    raise ValueError("expected 1, before or after")


def _create_drop_mode(v):
    v = str(v).lower()
    if v in ("", "0", "false", "off", "none"):
        return ""
    if v in ("1", "true", "drop"):
        return "drop"
    if v == "503":
        return "503"
    raise ValueError("expected 1, drop or 503")


# name -> (parser, default, description); every switch is deterministic.
FAULTS = {
    "http_500_every": (int, 0, "answer every Nth API request with 500 UNKNOWN_EXCEPTION"),
    "http_503_every": (int, 0, "answer every Nth API request with 503 SERVER_UNAVAILABLE"),
    "drop_upload_once": (_drop_mode, "", "drop the connection of the next upload: "
                         "1/before = mid-body, nothing stored; after = data stored, no answer"),
    "token_expire_calls": (int, 0, "access tokens die after N API calls each"),
    "token_expire_seconds": (float, 0.0, "access tokens die S seconds after issue"),
    "lock_rows_every": (int, 0, "every Nth record of a job fails with UNABLE_TO_LOCK_ROW "
                        "(lock_rows_times times per record)"),
    "lock_rows_times": (int, 1, "a record lock_rows_every chose fails in this many jobs "
                        "before it goes through (0 = it never does)"),
    "drop_create_once": (_create_drop_mode, "", "the next job create is carried out, then "
                         "its answer is lost: 1/drop = connection reset, 503 = a 503 answer"),
    "fail_object": (str, "", "jobs of these objects (comma-separated) end Failed"),
    "limit_after_calls": (int, 0, "403 REQUEST_LIMIT_EXCEEDED once N API calls were made"),
    "reject_gzip": (_flag, False, "415 on an upload with Content-Encoding: gzip"),
    "slow_ms": (int, 0, "delay every answer by N ms"),
    "rate": (float, 10000.0, "records processed per second per job (0 = at once)"),
    "rate_total": (float, 0.0, "records processed per second by the whole org, shared "
                   "equally by the jobs in progress (0 = no org-wide cap)"),
    "queue_ms": (int, 20, "ms a closed job waits in UploadComplete before InProgress"),
    "shuffle_results": (int, 0, "seed: result CSV rows in a shuffled order (0 = upload order)"),
    "job_list_page": (int, 1000, "jobs per page of GET .../jobs/ingest"),
    "open_limit_s": (float, 86400.0, "an ingest job still Open this many seconds after "
                     "its creation ends Failed (0 = never)"),
    "expire_after_s": (float, 604800.0, "a job this many seconds after it ended is deleted "
                       "(404 NOT_FOUND; 0 = never)"),
    "hard_delete": (_flag, False, "the user has the Bulk API Hard Delete permission (off, as "
                    "in a new org: a hardDelete job create is refused)"),
}

LIMITS = {
    "DailyApiRequests": 100000,
    "DailyBulkApiBatches": 15000,
    "DailyBulkRecords": 150000000,
    "JobDataMaxBytes": 150000000,       # per job, after base64
    "DataStorageMB": 1024,              # stored records take 2 KB each
}


def parse_assignments(items, table, kind):
    """{'name': parsed value} from NAME=VALUE strings or a dict; ValueError names the problem."""
    pairs = items.items() if isinstance(items, dict) else \
        (item.split("=", 1) if "=" in item else (item, "1") for item in items)
    out = {}
    for name, value in pairs:
        if name not in table:
            raise ValueError("unknown %s '%s' (known: %s)" % (kind, name, ", ".join(table)))
        if value is None:
            out[name] = None        # back to the start-up value
            continue
        out[name] = table[name][0](value) if kind == "fault" else int(value)
        if isinstance(out[name], (int, float)) and not isinstance(out[name], bool) \
                and out[name] < 0:
            raise ValueError("%s %s: negative value" % (kind, name))
    return out


class Org:
    """Everything a request or the processor reads or changes, behind one lock."""

    def __init__(self, schema, client_id, client_secret, username, refresh_token, jwt_key,
                 faults=None, limits=None):
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.schema = schema
        self.ids = sfids.IdGen()
        self.store = Store(schema, self.ids)
        self.org_id = sfids.id18("00DHs0000000Emu")
        self.user_id = sfids.id18("005Hs0000000Emu")
        self.auth = Auth(client_id, client_secret, username, refresh_token, jwt_key,
                         self.org_id, self.user_id)
        self.instance_url = ""
        self.initial_faults = {k: v[1] for k, v in FAULTS.items()}
        self.initial_faults.update(faults or {})
        self.initial_limits = dict(LIMITS)
        self.initial_limits.update(limits or {})
        self.stopping = False
        self.log = collections.deque(maxlen=20000)
        self.reset()
        self.processor = Processor(self)

    def start(self, instance_url):
        self.instance_url = instance_url
        self.processor.start()

    def stop(self):
        with self.cond:
            self.stopping = True
            self.cond.notify_all()
        self.processor.join(1.0)

    def reset(self):
        """Back to the state at start: seed records only, start-up faults and limits,
        counters zero.  Issued tokens stay valid."""
        with self.lock:
            self.faults = dict(self.initial_faults)
            self.limits = dict(self.initial_limits)
            self.ids.reset()
            self.store.reset()
            self.store.seed(time.time())
            self.jobs = {}
            self.active = {}        # jobs the processor watches: closed, not ended
            self.share_at = time.monotonic()    # rate_total: shared out up to this time
            self.next_sweep = 0.0   # monotonic time sweep_jobs() next has work
            self.usage = {"api": 0, "batches": 0, "records": 0}
            self.counters = collections.Counter()    # fault switch request counters
            self.locked = collections.Counter()     # lock_rows_*: times locked per record
            self.stats = {"requests": collections.Counter(),
                          "api_requests": collections.Counter(),
                          "token_grants": collections.Counter(),
                          "token_failures": 0, "unauthorized": 0, "jobs_created": 0,
                          "jobs_timed_out": 0, "jobs_expired": 0,
                          "records_failed": 0,
                          "faults_fired": collections.Counter()}
            self.log.clear()

    def set_faults(self, values):
        """Sets switches (None: the start-up value); their every-Nth counters restart."""
        with self.lock:
            for name, value in values.items():
                self.faults[name] = self.initial_faults[name] if value is None else value
                self.counters[name] = 0
                if name in ("lock_rows_every", "lock_rows_times"):
                    self.locked.clear()
                if name in ("open_limit_s", "expire_after_s"):
                    self.next_sweep = 0.0

    def set_limits(self, values):
        with self.lock:
            for name, value in values.items():
                self.limits[name] = self.initial_limits[name] if value is None else value

    def fail_objects(self):
        return {s.strip() for s in self.faults["fail_object"].split(",") if s.strip()}

    def fired(self, name):
        self.stats["faults_fired"][name] += 1

    def count_every(self, name):
        """True when an every-Nth switch fires on this request."""
        n = self.faults[name]
        if not n:
            return False
        self.counters[name] += 1
        if self.counters[name] % n == 0:
            self.fired(name)
            return True
        return False

    def sweep_jobs(self):
        """Applies the job lifetime knobs, on the emulator's own monotonic clock: a job
        Open open_limit_s after its creation ends Failed (OPEN_TIMEOUT), as of that
        moment; a job expire_after_s after it reached a terminal state is deleted
        (GET -> 404 NOT_FOUND, like a DELETE).  Called before every ingest request and
        inspection of jobs, so the knobs act exactly when they are due; does nothing
        until the earliest deadline it found last time."""
        with self.lock:
            now = time.monotonic()
            if now < self.next_sweep:
                return
            open_limit, expire = self.faults["open_limit_s"], self.faults["expire_after_s"]
            # jobs created or ended from now on are due no earlier than these
            nxt = min(now + open_limit if open_limit else math.inf,
                      now + expire if expire else math.inf)
            for jid, job in list(self.jobs.items()):
                if job.state == OPEN and open_limit:
                    due = job.created_mono + open_limit
                    if now < due:
                        nxt = min(nxt, due)
                        continue
                    job.finish(FAILED, OPEN_TIMEOUT % duration_text(open_limit), at=due)
                    self.stats["jobs_timed_out"] += 1
                if job.state in TERMINAL and expire:
                    due = job.ended_mono + expire
                    if now < due:
                        nxt = min(nxt, due)
                        continue
                    del self.jobs[jid]
                    self.active.pop(jid, None)
                    self.stats["jobs_expired"] += 1
            self.next_sweep = nxt

    def take_drop(self, name="drop_upload_once"):
        """The armed mode of a drop_*_once switch, disarming it, or ''."""
        with self.lock:
            mode = self.faults[name]
            if mode:
                self.faults[name] = ""
                self.fired(name)
            return mode

    def limit_info(self):
        return "api-usage=%d/%d" % (self.usage["api"], self.limits["DailyApiRequests"])

    def stats_view(self):
        with self.lock:
            by_state = collections.Counter(j.state for j in self.jobs.values())
            s = self.stats
            return {
                "api_requests": dict(s["api_requests"], total=self.usage["api"]),
                "requests": dict(s["requests"]),
                "unauthorized": s["unauthorized"],
                "jobs_created": s["jobs_created"],
                "jobs_timed_out": s["jobs_timed_out"],
                "jobs_expired": s["jobs_expired"],
                "jobs_by_state": dict(by_state),
                "batches_used": self.usage["batches"],
                "records_processed": self.usage["records"],
                "records_failed": s["records_failed"],
                "token_grants": dict(s["token_grants"]),
                "token_failures": s["token_failures"],
                "faults_fired": dict(s["faults_fired"]),
                "limits": dict(self.limits),
            }
