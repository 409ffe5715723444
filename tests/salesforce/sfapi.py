"""HTTP semantics of the emulated org: OAuth, REST, Bulk API 2.0 ingest, faults, inspection API."""

import base64
import binascii
import json
import re
import time
import urllib.parse
import zlib
from decimal import Decimal

import sfids
from sfcsv import DELIMITERS
from sfjobs import ABORTED, IN_PROGRESS, OPEN, STATES, TERMINAL, UPLOAD_COMPLETE, Job
from sforg import FAULTS, LIMITS, parse_assignments
from sfschema import NUMERIC
from sfwire import bulk_error, compact, exact_json, jackson, rest_error, sf_time

JSON_CT = "application/json;charset=UTF-8"
CSV_CT = "text/csv; charset=UTF-8"
TOKEN_PATH = "/services/oauth2/token"
DATA_PATH = "/services/data/"
INSPECT_PATH = "/__emulator__/"
OLDEST, INGEST_OLDEST, LATEST, PREVIEW = 31, 41, 67, 68
OPERATIONS = ("insert", "update", "upsert", "delete", "hardDelete")
RESULT_KINDS = ("successfulResults", "failedResults", "unprocessedrecords")
MULTIPART_MAX_CHARS = 100000
LOGGED_HEADERS = ("Content-Type", "Content-Encoding", "Transfer-Encoding", "Accept",
                  "Accept-Encoding", "Sforce-Call-Options")
_LOCATOR_ID = sfids.id18("01gHs00000Emu01")
_SEASONS = ("Winter", "Spring", "Summer")


class Request:
    def __init__(self, method, target, headers, body, wire_size):
        self.method = method
        path, _, self.query_string = target.partition("?")
        self.path = urllib.parse.unquote(path)
        self.query = {k: v[0] for k, v in
                      urllib.parse.parse_qs(self.query_string, keep_blank_values=True).items()}
        self.headers = headers          # case-insensitive .get()
        self.body = body
        self.wire_size = wire_size
        self.kind = "unknown"
        self.counted = False            # counted against DailyApiRequests


class Response:
    def __init__(self, status, body=b"", ctype=None):
        self.status = status
        self.body = body.encode("utf-8") if isinstance(body, str) else body
        self.ctype = ctype
        self.headers = []
        self.compressible = False       # gzip it when the client accepts gzip
        self.drop = False               # reset the connection instead of answering


class HttpError(Exception):
    def __init__(self, response):
        super().__init__(response.status)
        self.response = response


def _bulk(status, code, message):
    return HttpError(Response(status, bulk_error(code, message), JSON_CT))


def _rest(status, code, message):
    return HttpError(Response(status, rest_error(code, message), JSON_CT))


def _not_found():
    return _rest(404, "NOT_FOUND", "The requested resource does not exist")


def _allow(req, *methods):
    if req.method not in methods:
        raise _rest(405, "METHOD_NOT_ALLOWED", "HTTP Method '%s' not allowed. Allowed are %s"
                    % (req.method, ",".join(methods)))


def _json_text(req, value):
    """Compact JSON, pretty (Jackson style) when the client sent X-PrettyPrint: 1."""
    return jackson(value) if req.headers.get("X-PrettyPrint") == "1" else compact(value)


def handle(org, req, dropped=False):
    """Answers one request (the caller does the socket work; dropped: the caller will
    reset the connection instead of answering, which the log records)."""
    if req.path.startswith(INSPECT_PATH):
        try:
            return _inspect(org, req)
        except HttpError as e:
            return e.response
    try:
        resp = _route(org, req)
    except HttpError as e:
        resp = e.response
    if req.kind == "job_create" and resp.status == 200 and org.faults["drop_create_once"]:
        # the job exists; its answer is lost (drop_create_once)
        mode = org.take_drop("drop_create_once")
        if mode == "drop":
            resp.drop = dropped = True
        elif mode == "503":
            resp = Response(503, rest_error("SERVER_UNAVAILABLE",
                                            "Server temporarily unavailable"), JSON_CT)
            resp.headers.append(("Sforce-Limit-Info", org.limit_info()))
    log(org, req, resp.status, dropped)
    return resp


def log(org, req, status, dropped=False):
    """Records the request in the log and the counters."""
    with org.lock:
        org.stats["requests"][req.kind] += 1
        if req.counted:
            org.stats["api_requests"][req.kind] += 1
        entry = {"seq": len(org.log) + 1, "time": sf_time(time.time()), "method": req.method,
                 "path": req.path, "query": req.query_string, "kind": req.kind,
                 "headers": {h: req.headers.get(h) for h in LOGGED_HEADERS
                             if req.headers.get(h) is not None},
                 "authorization": req.headers.get("Authorization") is not None,
                 "body_bytes": req.wire_size, "status": status}
        if dropped:
            entry["dropped"] = True
        org.log.append(entry)


def _route(org, req):
    p = req.path
    if p.rstrip("/") == TOKEN_PATH:
        return _token(org, req)
    if p.rstrip("/") == DATA_PATH.rstrip("/"):
        req.kind = "versions"
        _allow(req, "GET")
        return Response(200, compact(_versions()), JSON_CT)
    if p.startswith(DATA_PATH):
        return _data_api(org, req)
    raise _not_found()


def _versions():
    out = []
    for v in range(OLDEST, LATEST + 1):
        k = v - 41
        out.append({"label": "%s '%02d" % (_SEASONS[k % 3], 18 + k // 3),
                    "url": "/services/data/v%d.0" % v, "version": "%d.0" % v})
    return out


# ---------------------------------------------------------------- OAuth

def _token(org, req):
    req.kind = "token"
    if req.method != "POST":
        return Response(400, compact({"error": "invalid_request",
                                      "error_description": "must use HTTP POST"}), JSON_CT)
    params = dict(req.query)
    if (req.headers.get("Content-Type") or "").lower().startswith(
            "application/x-www-form-urlencoded"):
        form = urllib.parse.parse_qs(req.body.decode("utf-8", "replace"),
                                     keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items()})
    basic = None
    authz = req.headers.get("Authorization") or ""
    if authz[:6].lower() == "basic ":
        try:
            cid, _, secret = base64.b64decode(authz[6:].strip()).decode().partition(":")
            basic = (urllib.parse.unquote_plus(cid), urllib.parse.unquote_plus(secret))
        except (ValueError, binascii.Error):
            basic = ("", "")
    with org.lock:
        status, body, grant = org.auth.grant(params, basic, req.headers.get("Host") or "",
                                             org.instance_url)
        if grant:
            org.stats["token_grants"][grant] += 1
        else:
            org.stats["token_failures"] += 1
    resp = Response(status, compact(body), JSON_CT)
    resp.headers.append(("Cache-Control", "no-cache,must-revalidate,max-age=0,no-store,private"))
    return resp


# ---------------------------------------------------------------- data API

def _data_api(org, req):
    resp, limit_info = _admit(org, req)
    if resp is None:
        try:
            resp = _dispatch(org, req)
        except HttpError as e:
            resp = e.response
    resp.headers.append(("Sforce-Limit-Info", limit_info))
    resp.compressible = True
    return resp


def _admit(org, req):
    """Token check, allocation and 5xx switches for one data API call: (refusal or None,
    Sforce-Limit-Info value).  An admitted call is counted against DailyApiRequests."""
    authz = req.headers.get("Authorization") or ""
    token = authz[7:].strip() if authz[:7].lower() == "bearer " else ""
    with org.lock:
        f = org.faults
        if not org.auth.check(token, f["token_expire_calls"], f["token_expire_seconds"]):
            org.stats["unauthorized"] += 1
            req.kind = "unauthorized"
            raise _rest(401, "INVALID_SESSION_ID", "Session expired or invalid")
        after = f["limit_after_calls"]
        if after and org.counters["limit_after_calls"] >= after:
            org.fired("limit_after_calls")
            over = True
        else:
            over = org.usage["api"] >= org.limits["DailyApiRequests"]
        if over:
            req.kind = "limit_exceeded"
            return Response(403, rest_error("REQUEST_LIMIT_EXCEEDED",
                                            "TotalRequests Limit exceeded."), JSON_CT), \
                org.limit_info()
        if org.count_every("http_500_every"):
            req.kind = "fault_500"
            return Response(500, rest_error(
                "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this "
                "ErrorId if you contact support: 1234567890-%d (-1234567890)"
                % org.counters["http_500_every"]), JSON_CT), org.limit_info()
        if org.count_every("http_503_every"):
            req.kind = "fault_503"
            return Response(503, rest_error("SERVER_UNAVAILABLE",
                                            "Server temporarily unavailable"), JSON_CT), \
                org.limit_info()
        org.usage["api"] += 1
        org.counters["limit_after_calls"] += 1
        req.counted = True
        return None, org.limit_info()


def _dispatch(org, req):
    segs = req.path[len(DATA_PATH):].strip("/").split("/")
    m = re.fullmatch(r"v(\d+)\.0", segs[0])
    if not m or int(m.group(1)) > PREVIEW:
        req.kind = "bad_version"
        raise _not_found()
    major = int(m.group(1))
    if major < OLDEST:
        # Decision (section 2): retired versions answer 410; the body was never recorded.
        req.kind = "bad_version"
        raise _rest(410, "UNSUPPORTED_API_VERSION", "Invalid Api version specified on URL")
    version, rest = "%d.0" % major, segs[1:]
    if not rest:
        req.kind = "resources"
        _allow(req, "GET")
        base = "/services/data/v" + version
        return Response(200, _json_text(req, {"jobs": base + "/jobs",
                                              "limits": base + "/limits",
                                              "sobjects": base + "/sobjects"}), JSON_CT)
    if rest == ["limits"]:
        req.kind = "limits"
        _allow(req, "GET")
        return Response(200, _json_text(req, _limits(org)), JSON_CT)
    if rest[0] == "sobjects":
        return _sobjects(org, req, version, rest[1:])
    if rest[:2] == ["jobs", "ingest"] and major >= INGEST_OLDEST:
        return _jobs(org, req, version, rest[2:])
    raise _not_found()


def _limits(org):
    with org.lock:
        lim, use = org.limits, org.usage

        def pair(name, used):
            return {"Max": lim[name], "Remaining": max(0, lim[name] - used)}
        return {"DailyApiRequests": pair("DailyApiRequests", use["api"]),
                "DailyBulkApiBatches": pair("DailyBulkApiBatches", use["batches"]),
                "DailyBulkV2QueryFileStorageMB": {"Max": 976562, "Remaining": 976562},
                "DailyBulkV2QueryJobs": {"Max": 10000, "Remaining": 10000},
                "DataStorageMB": pair("DataStorageMB",
                                      (org.store.count() * 2 + 1023) // 1024),
                "FileStorageMB": {"Max": 1024, "Remaining": 1024}}


def _sobjects(org, req, version, rest):
    _allow(req, "GET")
    if not rest:
        req.kind = "sobjects"
        return Response(200, _json_text(req, {
            "encoding": "UTF-8", "maxBatchSize": 200,
            "sobjects": [o.summary(version) for o in org.schema.objects.values()]}), JSON_CT)
    req.kind = "describe"
    obj = org.schema.get(rest[0])
    if obj is None or rest[1:] != ["describe"]:
        raise _not_found()
    return Response(200, _json_text(req, obj.describe(version)), JSON_CT)


# ---------------------------------------------------------------- Bulk API 2.0 ingest

def _jobs(org, req, version, rest):
    org.sweep_jobs()
    if not rest:
        _allow(req, "POST", "GET")
        if req.method == "POST":
            req.kind = "job_create"
            return _create(org, req, version)
        req.kind = "job_list"
        return _list(org, req, version)
    if len(rest) == 1:
        _allow(req, "GET", "PATCH", "DELETE")
        req.kind = {"GET": "job_info", "PATCH": "job_patch", "DELETE": "job_delete"}[req.method]
        if req.method == "PATCH":
            return _patch(org, req, rest[0])
        with org.lock:
            job = _job(org, rest[0])
            if req.method == "GET":
                return _jackson(200, job.info_full())
            if job.state in (OPEN, IN_PROGRESS):
                # Decision (open question 2): 400 INVALIDJOBSTATE.
                raise _bulk(400, "INVALIDJOBSTATE", "Deleting a Job in state %s is not "
                            "allowed" % job.state)
            del org.jobs[job.id]
            return Response(204)
    if len(rest) == 2 and rest[1] == "batches":
        _allow(req, "PUT")
        req.kind = "job_upload"
        return _upload(org, req, rest[0])
    if len(rest) == 2 and rest[1] in RESULT_KINDS:
        _allow(req, "GET")
        req.kind = "results"
        with org.lock:
            job = _job(org, rest[0])
            if job.state not in TERMINAL:
                # Decision (open question 2): results exist only once the job has ended.
                raise _bulk(400, "INVALIDJOBSTATE", "Results are not available for a Job in "
                            "state %s" % job.state)
            text = job.results(rest[1], org.faults["shuffle_results"])
        return Response(200, text, CSV_CT)
    raise _not_found()


def _jackson(status, value):
    return Response(status, jackson(value), JSON_CT)


def _job(org, jid):
    job = org.jobs.get(sfids.normalize(jid) or jid)
    if job is None:
        raise _bulk(404, "NOT_FOUND", "The requested resource does not exist")
    return job


def _decode(req, cap=None):
    """The request body with its Content-Encoding (gzip or deflate) removed.  With cap,
    returns None when the decoded body would exceed cap bytes."""
    enc = (req.headers.get("Content-Encoding") or "").strip().lower()
    if enc in ("", "identity"):
        data = req.body
        return None if cap is not None and len(data) > cap else data
    if enc not in ("gzip", "x-gzip", "deflate"):
        raise _bulk(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Encoding '%s' is not supported" % enc)
    wbits = 16 + zlib.MAX_WBITS if enc != "deflate" else zlib.MAX_WBITS
    try:
        d = zlib.decompressobj(wbits)
        if cap is None:
            data = d.decompress(req.body) + d.flush()
        else:
            data = d.decompress(req.body, cap + 1)
            if len(data) > cap:
                return None
            data += d.flush()
        if not d.eof:
            raise zlib.error("truncated")
    except zlib.error:
        raise _bulk(400, "BULK_API_ERROR", "The request body could not be decompressed "
                    "(Content-Encoding: %s)" % enc) from None
    return data


def _json_body(data):
    try:
        spec = json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as e:
        raise _bulk(400, "JSON_PARSER_ERROR", "Unable to parse the request body as JSON: %s"
                    % e) from None
    if not isinstance(spec, dict):
        raise _bulk(400, "JSON_PARSER_ERROR", "The request body must be a JSON object")
    return spec


def _enum(spec, name, allowed, default):
    v = spec.get(name, default)
    if not isinstance(v, str) or v not in allowed:
        raise _bulk(400, "API_ERROR", "Invalid value: '%s' supplied for property: '%s'"
                    % ("" if v is None else v, name))
    return v


def _multipart(req, body):
    """The 'job' JSON and the 'content' CSV of a multipart create request."""
    m = re.search(r'boundary="?([^";]+)"?', req.headers.get("Content-Type") or "")
    if not m:
        raise _bulk(400, "INVALIDJOB", "InvalidJob : Missing multipart boundary")
    parts = {}
    for chunk in body.split(b"--" + m.group(1).encode())[1:]:
        if chunk.startswith(b"--"):
            break
        head, sep, content = chunk.lstrip(b"\r\n").partition(b"\r\n\r\n")
        if not sep:
            head, sep, content = chunk.lstrip(b"\r\n").partition(b"\n\n")
        name = re.search(rb'name="([^"]*)"', head)
        if name:
            if content.endswith(b"\r\n"):
                content = content[:-2]
            elif content.endswith(b"\n"):
                content = content[:-1]
            parts[name.group(1).decode()] = content
    if "job" not in parts:
        raise _bulk(400, "INVALIDJOB", "InvalidJob : The multipart request has no 'job' part")
    content = parts.get("content")
    if content is not None and len(content.decode("utf-8", "replace")) > MULTIPART_MAX_CHARS:
        raise _bulk(400, "INVALIDJOB", "InvalidJob : Data in a multipart request may not "
                    "exceed %d characters" % MULTIPART_MAX_CHARS)
    return _json_body(parts["job"]), content


def _create(org, req, version):
    ctype = (req.headers.get("Content-Type") or "").lower()
    body = _decode(req)
    content = None
    if ctype.startswith("multipart/form-data"):
        spec, content = _multipart(req, body)
    elif ctype.startswith("application/json"):
        spec = _json_body(body)
    else:
        raise _bulk(415, "UNSUPPORTED_MEDIA_TYPE",
                    "Content-Type '%s' is not supported; use application/json" % ctype)
    op = _enum(spec, "operation", OPERATIONS, "")
    _enum(spec, "contentType", ("CSV",), "CSV")
    line_ending = _enum(spec, "lineEnding", ("LF", "CRLF"), "LF")
    delimiter = _enum(spec, "columnDelimiter", tuple(DELIMITERS), "COMMA")
    name = spec.get("object")
    obj = org.schema.get(name) if isinstance(name, str) else None
    if obj is None:
        raise _bulk(400, "INVALIDJOB", "InvalidJob : Unable to find object: %s"
                    % ("" if name is None else name))
    ext = None
    if op == "upsert":
        ext_name = spec.get("externalIdFieldName")
        if not ext_name or not isinstance(ext_name, str):
            raise _bulk(400, "INVALIDJOB", "InvalidJob : External ID was blank for %s. An "
                        "External ID must be specified for upsert." % obj.name)
        f = obj.field(ext_name)
        if f is None or not (f.external_id or f.type == "id"):
            raise _bulk(400, "INVALIDJOB", "InvalidJob : Field name provided, %s does not "
                        "match an External ID for %s" % (ext_name, obj.name))
        ext = f.name
    rule = spec.get("assignmentRuleId") if isinstance(spec.get("assignmentRuleId"), str) else None
    with org.lock:
        if op == "hardDelete" and not org.faults["hard_delete"]:
            # Decision: the reference says hardDelete needs the "Bulk API Hard Delete"
            # permission but records no wording; refused at create, like other job refusals.
            raise _bulk(400, "INVALIDJOB", "InvalidJob : The user does not have the Bulk API "
                        "Hard Delete permission, which the hardDelete operation requires")
        for limit, used in (("DailyBulkApiBatches", "batches"), ("DailyBulkRecords", "records")):
            if org.usage[used] >= org.limits[limit]:
                # Decision: an exhausted Bulk allocation refuses new jobs like the API limit.
                raise _rest(403, "REQUEST_LIMIT_EXCEEDED", "%s Limit exceeded." % limit)
        job = Job(org.ids.new("750", org.jobs), obj, op, ext, line_ending, delimiter, version,
                  rule, org.user_id, time.time())
        org.jobs[job.id] = job
        org.stats["jobs_created"] += 1
        if ctype.startswith("multipart/form-data"):
            job.data = content
            _close(org, job)
            return _jackson(200, job.info_created(multipart=True))
        return _jackson(200, job.info_created())


def _close(org, job):
    org.active[job.id] = job
    job.state = UPLOAD_COMPLETE
    job.closed_at = time.monotonic()
    job.modstamp = time.time()
    org.cond.notify_all()


def _list(org, req, version):
    with org.lock:
        jobs = list(org.jobs.values())
        page = max(1, org.faults["job_list_page"])
        if req.query.get("jobType", "V2Ingest") != "V2Ingest" or \
                req.query.get("isPkChunkingEnabled") == "true":
            jobs = []
        offset = 0
        loc = req.query.get("queryLocator")
        if loc:
            m = re.fullmatch(re.escape(_LOCATOR_ID) + r"-(\d+)", loc)
            if not m:
                raise _bulk(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
            offset = int(m.group(1))
        records = [j.info_listed() for j in jobs[offset:offset + page]]
        done = offset + page >= len(jobs)
    nxt = None if done else "/services/data/v%s/jobs/ingest?queryLocator=%s-%d" % (
        version, _LOCATOR_ID, offset + page)
    return _jackson(200, {"done": done, "records": records, "nextRecordsUrl": nxt})


def drop_target(org, path, headers):
    """True when a PUT to path with these headers may take an armed drop_upload_once:
    an ingest upload path of a served version, a live token (peeked at, not counted)
    and a job that exists.  Anything else is answered as usual (401, 404, ...) and
    leaves the switch armed."""
    path = urllib.parse.unquote(path.split("?", 1)[0])
    if not path.startswith(DATA_PATH):
        return False
    segs = path[len(DATA_PATH):].strip("/").split("/")
    m = re.fullmatch(r"v(\d+)\.0", segs[0])
    if not m or not INGEST_OLDEST <= int(m.group(1)) <= PREVIEW or len(segs) != 5 or \
            segs[1:3] != ["jobs", "ingest"] or segs[4] != "batches":
        return False
    authz = headers.get("Authorization") or ""
    token = authz[7:].strip() if authz[:7].lower() == "bearer " else ""
    with org.lock:
        f = org.faults
        if not org.auth.peek(token, f["token_expire_calls"], f["token_expire_seconds"]):
            return False
        org.sweep_jobs()
        return org.jobs.get(sfids.normalize(segs[3]) or segs[3]) is not None


def _upload(org, req, jid):
    with org.lock:
        job = _job(org, jid)
        enc = (req.headers.get("Content-Encoding") or "").strip().lower()
        if org.faults["reject_gzip"] and enc in ("gzip", "x-gzip"):
            org.fired("reject_gzip")
            raise _bulk(415, "UNSUPPORTED_MEDIA_TYPE", "Content-Encoding 'gzip' is not supported")
        ctype = (req.headers.get("Content-Type") or "").lower()
        if ctype.split(";")[0].strip() != "text/csv":
            raise _bulk(415, "UNSUPPORTED_MEDIA_TYPE",
                        "Content-Type '%s' is not supported; use text/csv" % ctype)
        _check_uploadable(job)
        limit = org.limits["JobDataMaxBytes"]
    data = _decode(req, cap=3 * (limit // 4))  # base64 of at most `limit` bytes
    if data is None:
        # Decision (open questions 1, 2): MB = 10^6, measured after base64 of the
        # decompressed CSV; 400 BULK_API_ERROR.
        raise _bulk(400, "BULK_API_ERROR", "Exceeded max size limit of %d bytes for job data "
                    "(after base64 encoding): <%s>" % (limit, job.id[:15]))
    with org.lock:
        job = _job(org, jid)
        _check_uploadable(job)
        job.data = data
    return Response(201)


def _check_uploadable(job):
    if job.data is not None:
        raise _bulk(400, "BULK_API_ERROR", "Found multipe contents for job: <%s>, please "
                    "'Close' / 'Abort' / 'Delete' the current Job then create a new Job and "
                    "make sure you only do 'PUT' once on a given Job." % job.id[:15])
    if job.state != OPEN:
        # Decision (open question 2): 400 INVALIDJOBSTATE.
        raise _bulk(400, "INVALIDJOBSTATE", "Uploading data to a Job in state %s is not "
                    "allowed" % job.state)


def _patch(org, req, jid):
    spec = _json_body(_decode(req))
    state = spec.get("state")
    with org.lock:
        job = _job(org, jid)
        if state == UPLOAD_COMPLETE:
            if job.state == OPEN:
                _close(org, job)
            elif job.state == ABORTED:
                raise _bulk(400, "INVALIDJOBSTATE", "Closing already aborted Job not allowed")
            else:
                raise _bulk(400, "INVALIDJOBSTATE", "Closing already closed Job not allowed")
        elif state == ABORTED:
            if job.state in (OPEN, UPLOAD_COMPLETE, IN_PROGRESS):
                job.finish(ABORTED)
            elif job.state == ABORTED:
                raise _bulk(400, "INVALIDJOBSTATE", "Aborting already aborted Job not allowed")
            else:
                raise _bulk(400, "INVALIDJOBSTATE", "Aborting already Completed Job not allowed")
        elif state in STATES:
            raise _bulk(400, "INVALIDJOBSTATE", "Changing the state of a Job to %s is not "
                        "allowed" % state)
        else:
            raise _bulk(400, "API_ERROR", "Invalid value: '%s' supplied for property: 'state'"
                        % ("" if state is None else state))
        return _jackson(200, job.info_short())


# ---------------------------------------------------------------- inspection API

def _inspect(org, req):
    segs = req.path[len(INSPECT_PATH):].strip("/").split("/")
    route = (req.method, segs[0])
    if segs[0] == "records" and len(segs) == 2:
        obj = org.schema.get(segs[1])
        if obj is None:
            raise HttpError(Response(404, compact({"error": "unknown object"}), JSON_CT))
        if req.method == "GET":
            with org.lock:
                # numbers exactly as stored (Decimal text), never through a float
                return Response(200, exact_json(org.store.dump(obj)), JSON_CT)
        if req.method == "POST":
            return _plain(_put_records(org, obj, req.body))
    if segs[0] == "deleted" and len(segs) == 2 and req.method == "GET":
        obj = org.schema.get(segs[1])
        if obj is None:
            raise HttpError(Response(404, compact({"error": "unknown object"}), JSON_CT))
        with org.lock:
            return _plain(sorted(org.store.deleted[obj.name]))
    if route == ("GET", "stats"):
        org.sweep_jobs()
        return _plain(org.stats_view())
    if route == ("GET", "requests"):
        with org.lock:
            return _plain(list(org.log))
    if route == ("GET", "jobs"):
        org.sweep_jobs()
        with org.lock:
            return _plain([j.info_full() for j in org.jobs.values()])
    if segs[0] in ("faults", "limits") and req.method in ("GET", "POST"):
        table = FAULTS if segs[0] == "faults" else LIMITS
        if req.method == "POST":
            try:
                values = parse_assignments(json.loads(req.body or b"{}"), table, segs[0][:-1])
            except (ValueError, TypeError, AttributeError) as e:
                raise HttpError(Response(400, compact({"error": str(e)}), JSON_CT)) from None
            if segs[0] == "faults":
                org.set_faults(values)
            else:
                org.set_limits(values)
        with org.lock:
            return _plain(dict(org.faults if segs[0] == "faults" else org.limits))
    if route == ("POST", "reset"):
        org.reset()
        return _plain({"reset": True})
    if route == ("POST", "revoke-tokens"):
        with org.lock:
            org.auth.reset()
        return _plain({"revoked": True})
    raise HttpError(Response(404, compact({"error": "no such inspection endpoint"}), JSON_CT))


def _plain(value):
    return Response(200, compact(value), JSON_CT)


def _put_records(org, obj, body):
    """Stores records as given (no validation beyond field names): test set-up."""
    try:
        rows = json.loads(body)
        if not isinstance(rows, list):
            raise ValueError("expected a JSON list of records")
        with org.lock:
            ids = []
            for row in rows:
                values = {}
                for k, v in row.items():
                    f = obj.field(k)
                    if f is None:
                        raise ValueError("unknown field '%s'" % k)
                    if f.type in NUMERIC and v is not None:
                        v = Decimal(str(v))
                    values[f.name] = v
                rid = values.pop("Id", None)
                ids.append(org.store.insert(obj, values, sf_time(time.time()), rid=rid))
            return ids
    except (ValueError, AttributeError) as e:
        raise HttpError(Response(400, compact({"error": str(e)}), JSON_CT)) from None

