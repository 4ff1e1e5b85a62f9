"""Holds recorded requests against botocore's service models.

The emulator (moto_extras.py) records what the program sent: query-protocol forms (RDS,
EC2: `Action`, `Version` and the parameters, flattened as `Tags.Tag.1.Key`,
`Filter.1.Value.1`, …) and JSON bodies (Secrets Manager). `problems(service, entry)` checks
one against the model the real service publishes: the operation exists, every parameter
names a member (through the protocol's list and member naming), values parse as the
member's type and fit its enum and length bounds, and required members are present.
"""
import botocore.session

_session = botocore.session.get_session()
_models = {}


def model(service):
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def _scalar(shape, value, path, out):
    t = shape.type_name
    if t in ("integer", "long"):
        try:
            n = int(value)
        except (TypeError, ValueError):
            out.append(f"{path}: {value!r} is not an integer")
            return
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if (lo is not None and n < lo) or (hi is not None and n > hi):
            out.append(f"{path}: {n} outside {lo}..{hi}")
    elif t in ("double", "float"):
        try:
            float(value)
        except (TypeError, ValueError):
            out.append(f"{path}: {value!r} is not a number")
    elif t == "boolean":
        if value not in ("true", "false", True, False):
            out.append(f"{path}: {value!r} is not a boolean")
    elif t == "string":
        if not isinstance(value, str):
            out.append(f"{path}: expected a string")
            return
        enum = shape.metadata.get("enum")
        if enum and value not in enum:
            out.append(f"{path}: {value!r} not in {enum}")
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if lo is not None and len(value) < lo:
            out.append(f"{path}: shorter than {lo}")
        if hi is not None and len(value) > hi:
            out.append(f"{path}: longer than {hi}")


def _member_name(name, member, ec2):
    ser = member.serialization
    if ec2:
        if ser.get("queryName"):
            return ser["queryName"]
        if ser.get("name"):
            return ser["name"][0].upper() + ser["name"][1:]
        return name[0].upper() + name[1:]
    return ser.get("name", name)


def _resolve(shape, parts, value, path, ec2, out):
    t = shape.type_name
    if t == "structure":
        if not parts:
            out.append(f"{path}: a structure needs a member")
            return
        for name, member in shape.members.items():
            if _member_name(name, member, ec2) == parts[0]:
                _resolve(member, parts[1:], value, f"{path}.{name}", ec2, out)
                return
        out.append(f"{path}.{parts[0]}: not a member of {shape.name}")
    elif t == "list":
        flattened = ec2 or shape.serialization.get("flattened")
        if not flattened:
            member_name = shape.member.serialization.get("name", "member")
            if not parts or parts[0] != member_name:
                out.append(f"{path}: list items are named {member_name}")
                return
            parts = parts[1:]
        if not parts or not parts[0].isdigit() or int(parts[0]) < 1:
            out.append(f"{path}: list index missing")
            return
        _resolve(shape.member, parts[1:], value, f"{path}[{parts[0]}]", ec2, out)
    else:
        if parts:
            out.append(f"{path}: {shape.type_name} has no member {parts[0]}")
            return
        _scalar(shape, value, path, out)


def _json(shape, value, path, out):
    t = shape.type_name
    if t == "structure":
        if not isinstance(value, dict):
            out.append(f"{path}: expected an object")
            return
        for k in value:
            if k not in shape.members:
                out.append(f"{path}.{k}: not a member of {shape.name}")
        for k in shape.required_members:
            if k not in value:
                out.append(f"{path}.{k}: required")
        for k, v in value.items():
            if k in shape.members:
                _json(shape.members[k], v, f"{path}.{k}", out)
    elif t == "list":
        if not isinstance(value, list):
            out.append(f"{path}: expected a list")
            return
        lo, hi = shape.metadata.get("min"), shape.metadata.get("max")
        if (lo is not None and len(value) < lo) or (hi is not None and len(value) > hi):
            out.append(f"{path}: {len(value)} items outside {lo}..{hi}")
        for i, v in enumerate(value):
            _json(shape.member, v, f"{path}[{i}]", out)
    elif t in ("integer", "long") and (not isinstance(value, int) or isinstance(value, bool)):
        out.append(f"{path}: expected an integer")
    elif t == "boolean" and not isinstance(value, bool):
        out.append(f"{path}: expected a boolean")
    else:
        _scalar(shape, value, path, out)


def problems(service, entry):
    """What is wrong with one recorded request for botocore service `service` (rds, ec2,
    secretsmanager); [] when it matches the model."""
    m = model(service)
    op = entry.get("operation", "")
    if op not in m.operation_names:
        return [f"{service}: no operation {op!r}"]
    shape = m.operation_model(op).input_shape
    out = []
    if "json" in entry:
        _json(shape, entry["json"], op, out)
        return out
    ec2 = m.metadata["protocol"] == "ec2"
    form = dict(entry.get("form", {}))
    if form.pop("Action", None) != op:
        out.append(f"{op}: Action missing")
    if form.pop("Version", None) != m.api_version:
        out.append(f"{op}: Version is not {m.api_version}")
    for key, value in form.items():
        _resolve(shape, key.split("."), value, op, ec2, out)
    for name in shape.required_members:
        wire = _member_name(name, shape.members[name], ec2)
        if not any(k == wire or k.startswith(wire + ".") for k in form):
            out.append(f"{op}.{name}: required")
    return out
