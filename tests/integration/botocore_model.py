"""Holds a request the program sent against botocore's service model.

`check_request(service, record)` takes what the program put on the wire (a
fault_proxy.RequestRecord, or anything with method, path, headers and body) and returns
the list of what is wrong with it for the service's protocol: an operation or API
version the model does not have, a parameter it does not define, a value of the wrong
type, a required member missing, an enum value, length, range or pattern outside the
model. An empty list means the request is what an SDK could have sent.

Query protocol (RDS, CloudFormation, STS; EC2 with its own member naming): the form body is decoded member by member
(Name.member.N lists, flattened lists, Name.entry.N maps), so a key the model does not
know is reported instead of dropped. JSON protocols (ECS, DynamoDB, Logs): X-Amz-Target
names the operation, the body is walked against the input shape. REST-JSON (Bedrock):
the request URI template gives the labels, the query string the querystring members.

    errors = botocore_model.check_request("rds", proxy.requests_for("DescribeDBClusters")[0])
    self.assertEqual(errors, [])
"""
import json
import re
import urllib.parse

import botocore.session

_session = botocore.session.get_session()
_models = {}


def service_model(service):
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def _body_text(body):
    if body is None:
        return ""
    return body.decode() if isinstance(body, (bytes, bytearray)) else body


# ---------------------------------------------------------------------------------------
# Values against shapes (every protocol ends here).

def _check_value(shape, value, path, errors):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a structure, got {type(value).__name__}")
            return
        for name in shape.required_members:
            if name not in value:
                errors.append(f"{path}: required member {name} missing")
        for name, v in value.items():
            if name not in shape.members:
                errors.append(f"{path}: unknown member {name} (model has {sorted(shape.members)})")
                continue
            _check_value(shape.members[name], v, f"{path}.{name}", errors)
    elif t == "list":
        if not isinstance(value, list):
            errors.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        _check_size(shape, len(value), path, errors)
        for i, v in enumerate(value):
            _check_value(shape.member, v, f"{path}[{i}]", errors)
    elif t == "map":
        if not isinstance(value, dict):
            errors.append(f"{path}: expected a map, got {type(value).__name__}")
            return
        _check_size(shape, len(value), path, errors)
        for k, v in value.items():
            _check_value(shape.key, k, f"{path} key", errors)
            _check_value(shape.value, v, f"{path}[{k!r}]", errors)
    elif t == "string":
        if not isinstance(value, str):
            errors.append(f"{path}: expected a string, got {type(value).__name__}")
            return
        _check_size(shape, len(value), path, errors)
        enum = shape.enum
        if enum and value not in enum:
            errors.append(f"{path}: {value!r} is not one of {enum}")
        pattern = shape.metadata.get("pattern")
        regex = _compiled(pattern) if pattern else None
        if regex is not None and not regex.search(value):
            errors.append(f"{path}: {value!r} does not match the pattern {pattern!r}")
    elif t in ("integer", "long"):
        if not isinstance(value, int) or isinstance(value, bool):
            errors.append(f"{path}: expected an integer, got {value!r}")
            return
        _check_range(shape, value, path, errors)
    elif t in ("double", "float"):
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            errors.append(f"{path}: expected a number, got {value!r}")
            return
        _check_range(shape, value, path, errors)
    elif t == "boolean":
        if not isinstance(value, bool):
            errors.append(f"{path}: expected a boolean, got {value!r}")
    elif t == "timestamp":
        if not isinstance(value, (int, float, str)) or isinstance(value, bool):
            errors.append(f"{path}: expected a timestamp, got {value!r}")
    elif t == "blob":
        if not isinstance(value, (str, bytes)):
            errors.append(f"{path}: expected a blob, got {value!r}")
    else:
        errors.append(f"{path}: shape type {t} not handled by this checker")


_patterns = {}


def _compiled(pattern):
    """The model's pattern as a Python regex; None for the few written in a dialect Python's
    re lacks (Unicode classes like \\p{L}), which are then not checked."""
    if pattern not in _patterns:
        try:
            _patterns[pattern] = re.compile(pattern)
        except re.error:
            _patterns[pattern] = None
    return _patterns[pattern]


def _check_size(shape, n, path, errors):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None and n < lo:
        errors.append(f"{path}: length {n} is below the minimum {lo}")
    if hi is not None and n > hi:
        errors.append(f"{path}: length {n} is above the maximum {hi}")


def _check_range(shape, v, path, errors):
    lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
    if lo is not None and v < lo:
        errors.append(f"{path}: {v} is below the minimum {lo}")
    if hi is not None and v > hi:
        errors.append(f"{path}: {v} is above the maximum {hi}")


# ---------------------------------------------------------------------------------------
# Query protocol: form keys back to parameters.

def _scalar_from_text(shape, text, path, errors):
    t = shape.type_name
    try:
        if t in ("integer", "long"):
            return int(text)
        if t in ("double", "float"):
            return float(text)
    except ValueError:
        errors.append(f"{path}: {text!r} is not a {t}")
        return None
    if t == "boolean":
        if text not in ("true", "false"):
            errors.append(f"{path}: {text!r} is not true/false")
            return None
        return text == "true"
    return text


def _ec2_key(name, member):
    """EC2's wire name of a member: queryName, else the capitalised locationName or name."""
    ser = member.serialization
    if ser.get("queryName"):
        return ser["queryName"]
    key = ser.get("name", name)
    return key[:1].upper() + key[1:]


def _decode_query(shape, form, prefix, path, errors, used, ec2=False):
    """The value for `shape` at form-key prefix (may be absent: returns None). ec2: the EC2
    protocol's naming (queryName or capitalised names, every list flattened)."""
    t = shape.type_name
    if t == "structure":
        out = {}
        for name, member in shape.members.items():
            key = _ec2_key(name, member) if ec2 else member.serialization.get("name", name)
            full = f"{prefix}.{key}" if prefix else key
            v = _decode_query(member, form, full, f"{path}.{name}", errors, used, ec2)
            if v is not None:
                out[name] = v
        return out if (out or not prefix) else None
    if t == "list":
        flattened = ec2 or shape.serialization.get("flattened", False)
        item_name = shape.member.serialization.get("name", "member")
        base = prefix if flattened else f"{prefix}.{item_name}"
        items, i = [], 1
        while True:
            v = _decode_query(shape.member, form, f"{base}.{i}", f"{path}[{i - 1}]", errors, used, ec2)
            if v is None:
                break
            items.append(v)
            i += 1
        if prefix in form:    # an empty list is sent as "Name="
            used.add(prefix)
            return items
        return items or None
    if t == "map":
        flattened = shape.serialization.get("flattened", False)
        base = prefix if flattened else f"{prefix}.entry"
        out, i = {}, 1
        while f"{base}.{i}.key" in form:
            used.add(f"{base}.{i}.key")
            k = form[f"{base}.{i}.key"]
            v = _decode_query(shape.value, form, f"{base}.{i}.value", f"{path}[{k!r}]", errors, used, ec2)
            out[k] = v
            i += 1
        return out or None
    if prefix not in form:
        return None
    used.add(prefix)
    return _scalar_from_text(shape, form[prefix], path, errors)


def _check_query(model, record):
    errors = []
    pairs = urllib.parse.parse_qsl(_body_text(record.body), keep_blank_values=True, strict_parsing=False)
    form = {}
    for k, v in pairs:
        if k in form:
            errors.append(f"form key {k} sent twice")
        form[k] = v
    action, version = form.pop("Action", None), form.pop("Version", None)
    if action not in model.operation_names:
        return [f"Action {action!r} is not an operation of {model.service_name}"]
    if version != model.api_version:
        errors.append(f"Version {version!r} is not the model's {model.api_version}")
    op = model.operation_model(action)
    used = set()
    ec2 = model.metadata["protocol"] == "ec2"
    params = _decode_query(op.input_shape, form, "", action, errors, used, ec2) if op.input_shape else {}
    for key in sorted(set(form) - used):
        errors.append(f"{action}: form key {key} is not a member of the model's input")
    if op.input_shape is not None:
        _check_value(op.input_shape, params or {}, action, errors)
    return errors


# ---------------------------------------------------------------------------------------
# JSON and REST-JSON.

def _header(record, name):
    for k, v in (record.headers or {}).items():
        if k.lower() == name.lower():
            return v
    return None


def _check_json(model, record):
    target = _header(record, "X-Amz-Target") or ""
    prefix, _, operation = target.rpartition(".")
    errors = []
    if prefix != model.metadata.get("targetPrefix"):
        errors.append(f"X-Amz-Target prefix {prefix!r} is not {model.metadata.get('targetPrefix')!r}")
    if operation not in model.operation_names:
        return errors + [f"{operation!r} is not an operation of {model.service_name}"]
    ctype = _header(record, "Content-Type") or ""
    want = f"application/x-amz-json-{model.metadata.get('jsonVersion')}"
    if ctype != want:
        errors.append(f"Content-Type {ctype!r} is not {want!r}")
    try:
        body = json.loads(_body_text(record.body) or "{}")
    except ValueError as e:
        return errors + [f"the body is not JSON: {e}"]
    op = model.operation_model(operation)
    _check_value(op.input_shape, body, operation, errors)
    return errors


def _check_rest_json(model, record, operation):
    errors = []
    op = model.operation_model(operation)
    if record.method != op.http["method"]:
        errors.append(f"{operation}: method {record.method} is not {op.http['method']}")
    parsed = urllib.parse.urlsplit(record.path)
    template = op.http["requestUri"].split("?", 1)[0]
    labels = re.findall(r"{(\w+)\+?}", template)
    regex = "^" + re.sub(r"{(\w+)(\+?)}", lambda m: "(.+)" if m.group(2) else "([^/]+)",
                         re.escape(template).replace(r"\{", "{").replace(r"\}", "}")) + "$"
    m = re.match(regex, parsed.path)
    if not m:
        return errors + [f"{operation}: path {parsed.path!r} does not match {template!r}"]
    params = {}
    by_location = {}
    for name, member in op.input_shape.members.items():
        by_location[(member.serialization.get("location"), member.serialization.get("name", name))] = name
    for label, raw in zip(labels, m.groups()):
        name = by_location.get(("uri", label))
        params[name] = _scalar_from_text(op.input_shape.members[name], urllib.parse.unquote(raw),
                                         f"{operation}.{name}", errors)
    for k, v in urllib.parse.parse_qsl(parsed.query, keep_blank_values=True):
        name = by_location.get(("querystring", k))
        if name is None:
            errors.append(f"{operation}: query parameter {k} is not in the model")
            continue
        params[name] = _scalar_from_text(op.input_shape.members[name], v, f"{operation}.{name}", errors)
    body = _body_text(record.body)
    if body.strip():
        try:
            params.update(json.loads(body))
        except ValueError as e:
            errors.append(f"{operation}: the body is not JSON: {e}")
    _check_value(op.input_shape, params, operation, errors)
    return errors


def check_request(service, record, operation=None):
    """What is wrong with the request for botocore's model of `service` ([] when nothing).
    REST protocols need the operation's name (the wire does not carry it)."""
    model = service_model(service)
    protocol = model.metadata["protocol"]
    if protocol in ("query", "ec2"):
        return _check_query(model, record)
    if protocol == "json":
        return _check_json(model, record)
    if protocol == "rest-json":
        if operation is None:
            raise ValueError("a REST request needs its operation name")
        return _check_rest_json(model, record, operation)
    raise ValueError(f"protocol {protocol} is not handled")
