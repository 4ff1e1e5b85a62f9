"""Checks a request the program sent against botocore's service model: member names,
types, required members, enums, lengths and patterns (botocore's own ParamValidator),
for the JSON protocols (the body) and the EC2 query protocol (the form, decoded into
parameters by the model's serialization names).

    errors = botocore_shapes.validate_json("service-quotas", "GetServiceQuota", body_dict)
    errors = botocore_shapes.validate_ec2_query("DescribeRouteTables", form_pairs)

Each returns a list of readable errors (empty when the request is valid). Unknown
members are errors too: botocore rejects them."""
import re
import urllib.parse

import botocore.session
from botocore.validate import ParamValidator

_session = botocore.session.get_session()
_models = {}


def model(service):
    if service not in _models:
        _models[service] = _session.get_service_model(service)
    return _models[service]


def _patterns(shape, value, path, errors):
    """ParamValidator does not check `pattern` traits; lengths and enums it does."""
    if value is None:
        return
    if shape.type_name == "structure":
        for name, member in shape.members.items():
            if isinstance(value, dict) and name in value:
                _patterns(member, value[name], f"{path}.{name}", errors)
    elif shape.type_name == "list" and isinstance(value, list):
        for i, item in enumerate(value):
            _patterns(shape.member, item, f"{path}[{i}]", errors)
    elif shape.type_name == "string" and isinstance(value, str):
        pattern = shape.metadata.get("pattern")
        if pattern and not re.fullmatch(pattern, value):
            errors.append(f"{path}: {value!r} does not match {pattern}")


def validate_json(service, operation, params):
    op = model(service).operation_model(operation)
    report = ParamValidator().validate(params, op.input_shape)
    errors = [report.generate_report()] if report.has_errors() else []
    _patterns(op.input_shape, params, operation, errors)
    return errors


def _ec2_name(name, shape):
    return shape.serialization.get("name") or (name[0].upper() + name[1:])


def _decode(shape, prefix, form, errors, used):
    """The value of `shape` serialized under `prefix` in the EC2 query form."""
    if shape.type_name == "structure":
        out = {}
        for name, member in shape.members.items():
            key = f"{prefix}.{_ec2_name(name, member)}" if prefix else _ec2_name(name, member)
            value = _decode(member, key, form, errors, used)
            if value is not None:
                out[name] = value
        return out if out or not prefix else None
    if shape.type_name == "list":
        items = []
        i = 1
        while True:
            key = f"{prefix}.{i}"
            if not any(k == key or k.startswith(key + ".") for k in form):
                break
            items.append(_decode(shape.member, key, form, errors, used))
            i += 1
        return items or None
    if prefix in form:
        used.add(prefix)
        raw = form[prefix]
        if shape.type_name in ("integer", "long"):
            try:
                return int(raw)
            except ValueError:
                errors.append(f"{prefix}: {raw!r} is not an integer")
                return None
        if shape.type_name == "boolean":
            if raw not in ("true", "false"):
                errors.append(f"{prefix}: {raw!r} is not a boolean")
            return raw == "true"
        return raw
    return None


def validate_ec2_query(action, pairs):
    """pairs: the decoded form (list of (name, value)), Action and Version included."""
    form = dict(pairs)
    errors = []
    if form.get("Action") != action:
        errors.append(f"Action is {form.get('Action')!r}, not {action!r}")
    if form.get("Version") != model("ec2").metadata["apiVersion"]:
        errors.append(f"Version is {form.get('Version')!r}")
    op = model("ec2").operation_model(action)
    used = {"Action", "Version"}
    params = _decode(op.input_shape, "", form, errors, used)
    for key in form:
        if key not in used:
            errors.append(f"{key}: not a member of {action}'s input")
    errors += validate_json_params(op, params or {})
    return errors


def validate_json_params(op, params):
    report = ParamValidator().validate(params, op.input_shape)
    errors = [report.generate_report()] if report.has_errors() else []
    _patterns(op.input_shape, params, op.name, errors)
    return errors


def parse_form(body):
    return urllib.parse.parse_qsl(body if isinstance(body, str) else body.decode(), keep_blank_values=True)
