"""A minimal S3 client (SigV4 over urllib, stdlib only) and the RGW access-log reader of the benchmark.

Why not awscli or boto3: each awscli call costs a Python interpreter start (~0.5 s), too slow to poll for
durability, and boto3 is not guaranteed to be installed. Listing and HEAD are all the orchestrator needs; the
measured direct client is the C# tool (tests/S3Fs.Benchmarks, `direct`).
"""
import datetime
import hashlib
import hmac
import os
import re
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

_NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
_EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()


def _quote(text, safe="-_.~"):
    return urllib.parse.quote(text, safe=safe)


class S3:
    """Signed ListObjectsV2, HEAD and DELETE against one bucket of a path-style endpoint."""

    def __init__(self, endpoint, bucket, access_key, secret_key, region="us-east-1"):
        self.endpoint = endpoint.rstrip("/")
        self.bucket = bucket
        self.access_key = access_key
        self.secret_key = secret_key
        self.region = region
        self.host = urllib.parse.urlparse(self.endpoint).netloc

    def _request(self, method, path, query):
        now = datetime.datetime.now(datetime.timezone.utc)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        day = amz_date[:8]
        canonical_query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in sorted(query.items()))
        headers = {"host": self.host, "x-amz-content-sha256": _EMPTY_SHA256, "x-amz-date": amz_date}
        signed = ";".join(sorted(headers))
        canonical = "\n".join([method, _quote(path, safe="/-_.~"), canonical_query,
                               "".join(f"{k}:{headers[k]}\n" for k in sorted(headers)), signed, _EMPTY_SHA256])
        scope = f"{day}/{self.region}/s3/aws4_request"
        to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
        key = ("AWS4" + self.secret_key).encode()
        for part in (day, self.region, "s3", "aws4_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        headers["authorization"] = (f"AWS4-HMAC-SHA256 Credential={self.access_key}/{scope}, "
                                    f"SignedHeaders={signed}, Signature={signature}")
        url = self.endpoint + _quote(path, safe="/-_.~") + ("?" + canonical_query if canonical_query else "")
        return urllib.request.Request(url, method=method, headers=headers)

    def list(self, prefix, delimiter=None):
        """Every object under prefix as {key: (size, etag)} (all pages)."""
        objects, token = {}, None
        while True:
            query = {"list-type": "2", "prefix": prefix, "max-keys": "1000"}
            if delimiter:
                query["delimiter"] = delimiter
            if token:
                query["continuation-token"] = token
            with urllib.request.urlopen(self._request("GET", f"/{self.bucket}/", query), timeout=60) as response:
                root = ET.fromstring(response.read())
            for item in root.iter(_NS + "Contents"):
                objects[item.find(_NS + "Key").text] = (int(item.find(_NS + "Size").text),
                                                        item.find(_NS + "ETag").text.strip('"'))
            token_node = root.find(_NS + "NextContinuationToken")
            if root.findtext(_NS + "IsTruncated") != "true" or token_node is None:
                return objects
            token = token_node.text

    def delete(self, key):
        with urllib.request.urlopen(self._request("DELETE", f"/{self.bucket}/{key}", {}), timeout=60):
            pass

    def head(self, key):
        """(size, etag) of an object, or None if it does not exist."""
        try:
            with urllib.request.urlopen(self._request("HEAD", f"/{self.bucket}/{key}", {}), timeout=60) as response:
                return int(response.headers["Content-Length"]), response.headers["ETag"].strip('"')
        except urllib.error.HTTPError as e:
            if e.code == 404:
                return None
            raise


def from_env_file(path):
    """An S3 client from the env file written by scripts/rgw-start.sh."""
    values = {}
    with open(path) as f:
        for line in f:
            m = re.match(r'\s*export\s+(\w+)=(.*)$', line)
            if m:
                values[m.group(1)] = m.group(2).strip().strip('"')
    return S3(values["S3_ENDPOINT"], values["S3_BUCKET"], values["AWS_ACCESS_KEY_ID"],
              values["AWS_SECRET_ACCESS_KEY"], values.get("AWS_DEFAULT_REGION", "us-east-1")), values


# beast: 0x..: 127.0.0.1 - user [date] "GET /bucket/key?x HTTP/1.1" 200 5347 - "agent" - latency=0.008s
_ACCESS = re.compile(r'beast: \S+ \S+ - \S+ \[[^\]]*\] "(\w+) (\S+) HTTP/[\d.]+" (\d+) (\d+|-)')


class RgwLog:
    """Reads RGW's access lines (debug_rgw 1, the default) written after mark(), for one bucket prefix.

    RGW logs every request with method, path, status and the bytes it sent. Filtered by the contender's own key
    prefix this gives, per contender and without touching it, the requests it made and the body bytes it fetched.
    It cannot give uploaded bytes (the line has no request size): those come from the counting relay.
    """

    def __init__(self, path, bucket):
        self.path = path
        self.bucket = bucket
        self.offset = 0

    def available(self):
        return os.path.exists(self.path)

    def mark(self):
        self.offset = os.path.getsize(self.path) if self.available() else 0

    def summary(self, prefix):
        """Requests by kind and GET bytes for keys under prefix, since mark()."""
        counts, get_bytes = {}, 0
        if not self.available():
            return {"requests": counts, "get_bytes": None}
        with open(self.path, "rb") as f:
            f.seek(self.offset)
            data = f.read().decode("utf-8", "replace")
        object_path = f"/{self.bucket}/{prefix}"
        for m in _ACCESS.finditer(data):
            method, target, _, sent = m.groups()
            path, _, query = target.partition("?")
            params = urllib.parse.parse_qs(query)
            if path == f"/{self.bucket}/" and params.get("prefix", [""])[0].startswith(prefix):
                kind = "LIST"
            elif urllib.parse.unquote(path).startswith(object_path):
                kind = method
                if method == "PUT" and "partNumber" in params:
                    kind = "PUT part"
                if method == "GET" and sent != "-":
                    get_bytes += int(sent)
            else:
                continue
            counts[kind] = counts.get(kind, 0) + 1
        return {"requests": counts, "get_bytes": get_bytes}
