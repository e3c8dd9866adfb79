"""The ns3opengym message classes, built at import time from descriptors.

No generated ``_pb2`` module is shipped: the schema below is turned into a
``FileDescriptorProto`` and loaded into a private descriptor pool of whatever
protobuf runtime is installed, so the classes can never be out of step with that
runtime (the usual failure of generated code). ``ns3_scenarios/gym/ns3opengym.proto``
is the source the C++ side compiles; ``tests/test_schema.py`` checks that both
describe the same messages.

A private pool (not the default one) lets ns3-gym's own generated module be imported
in the same process without duplicate-symbol errors.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool

try:  # protobuf >= 4.22
    from google.protobuf.message_factory import GetMessageClass as _message_class
except ImportError:  # pragma: no cover - older runtimes
    from google.protobuf.message_factory import MessageFactory

    _message_class = MessageFactory().GetPrototype

PACKAGE = "ns3opengym"
FILE_NAME = "ns3opengym.proto"
TYPE_URL_PREFIX = "type.googleapis.com/"

_F = descriptor_pb2.FieldDescriptorProto
_SCALARS = {
    "bool": _F.TYPE_BOOL,
    "int32": _F.TYPE_INT32,
    "uint32": _F.TYPE_UINT32,
    "uint64": _F.TYPE_UINT64,
    "float": _F.TYPE_FLOAT,
    "double": _F.TYPE_DOUBLE,
    "string": _F.TYPE_STRING,
}

ENUMS: dict[str, list[str]] = {
    "MsgType": [
        "Unknown", "Init", "ActionSpace", "ObservationSpace", "IsGameOver",
        "Observation", "Reward", "ExtraInfo", "Action", "StopEnv",
    ],
    "SpaceType": ["NoSpaceType", "Discrete", "Box", "Tuple", "Dict"],
    "Dtype": ["NoDType", "INT", "UINT", "FLOAT", "DOUBLE"],
}

# message -> [(field, number, type, repeated)]; a type that is not a scalar names a
# message or enum of this package, or google.protobuf.Any.
MESSAGES: dict[str, list[tuple[str, int, str, bool]]] = {
    "SpaceDescription": [("type", 1, "SpaceType", False), ("space", 2, "Any", False),
                         ("name", 3, "string", False)],
    "DiscreteSpace": [("n", 1, "int32", False)],
    "BoxSpace": [("low", 1, "float", False), ("high", 2, "float", False),
                 ("dtype", 3, "Dtype", False), ("shape", 4, "uint32", True)],
    "TupleSpace": [("element", 1, "SpaceDescription", True)],
    "DictSpace": [("element", 1, "SpaceDescription", True)],
    "DataContainer": [("type", 1, "SpaceType", False), ("data", 2, "Any", False),
                      ("name", 3, "string", False)],
    "DiscreteDataContainer": [("data", 1, "int32", False)],
    "BoxDataContainer": [("dtype", 1, "Dtype", False), ("shape", 2, "uint32", True),
                         ("intData", 3, "int32", True), ("uintData", 4, "uint32", True),
                         ("floatData", 5, "float", True), ("doubleData", 6, "double", True)],
    "TupleDataContainer": [("element", 1, "DataContainer", True)],
    "DictDataContainer": [("element", 1, "DataContainer", True)],
    "SimInitMsg": [("simProcessId", 1, "uint64", False), ("wafShellProcessId", 2, "uint64", False),
                   ("obsSpace", 3, "SpaceDescription", False),
                   ("actSpace", 4, "SpaceDescription", False)],
    "SimInitAck": [("done", 1, "bool", False), ("stopSimReq", 2, "bool", False)],
    "EnvStateMsg": [("obsData", 1, "DataContainer", False), ("reward", 2, "float", False),
                    ("isGameOver", 3, "bool", False), ("reason", 4, "EnvStateMsg.Reason", False),
                    ("info", 5, "string", False)],
    "EnvActMsg": [("actData", 1, "DataContainer", False), ("stopSimReq", 2, "bool", False)],
}
NESTED_ENUMS = {"EnvStateMsg": {"Reason": ["SimulationEnd", "GameOver"]}}


def _field(
    name: str, number: int, type_name: str, repeated: bool
) -> descriptor_pb2.FieldDescriptorProto:
    field = _F(name=name, number=number, json_name=name)
    field.label = _F.LABEL_REPEATED if repeated else _F.LABEL_OPTIONAL
    if type_name in _SCALARS:
        field.type = _SCALARS[type_name]
    elif type_name == "Any":
        field.type, field.type_name = _F.TYPE_MESSAGE, ".google.protobuf.Any"
    else:
        enum_like = type_name in ENUMS or type_name.endswith(".Reason")
        field.type = _F.TYPE_ENUM if enum_like else _F.TYPE_MESSAGE
        field.type_name = f".{PACKAGE}.{type_name}"
    return field


def file_descriptor() -> descriptor_pb2.FileDescriptorProto:
    """The schema as a FileDescriptorProto (what protoc would emit for the .proto)."""
    proto = descriptor_pb2.FileDescriptorProto(
        name=FILE_NAME, package=PACKAGE, syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    for enum_name, values in ENUMS.items():
        enum = proto.enum_type.add(name=enum_name)
        for number, value in enumerate(values):
            enum.value.add(name=value, number=number)
    for message_name, fields in MESSAGES.items():
        message = proto.message_type.add(name=message_name)
        for nested_name, values in NESTED_ENUMS.get(message_name, {}).items():
            nested = message.enum_type.add(name=nested_name)
            for number, value in enumerate(values):
                nested.value.add(name=value, number=number)
        message.field.extend(_field(*spec) for spec in fields)
    return proto


POOL = descriptor_pool.DescriptorPool()
POOL.AddSerializedFile(any_pb2.DESCRIPTOR.serialized_pb)
POOL.AddSerializedFile(file_descriptor().SerializeToString())


def message_class(name: str) -> Any:
    """The runtime class of message ``name`` of the ns3opengym package."""
    return _message_class(POOL.FindMessageTypeByName(f"{PACKAGE}.{name}"))


SpaceDescription = message_class("SpaceDescription")
DiscreteSpace = message_class("DiscreteSpace")
BoxSpace = message_class("BoxSpace")
TupleSpace = message_class("TupleSpace")
DictSpace = message_class("DictSpace")
DataContainer = message_class("DataContainer")
DiscreteDataContainer = message_class("DiscreteDataContainer")
BoxDataContainer = message_class("BoxDataContainer")
TupleDataContainer = message_class("TupleDataContainer")
DictDataContainer = message_class("DictDataContainer")
SimInitMsg = message_class("SimInitMsg")
SimInitAck = message_class("SimInitAck")
EnvStateMsg = message_class("EnvStateMsg")
EnvActMsg = message_class("EnvActMsg")

# Enum numbers, by name.
SPACE_TYPE = {name: number for number, name in enumerate(ENUMS["SpaceType"])}
DTYPE = {name: number for number, name in enumerate(ENUMS["Dtype"])}
REASON_SIMULATION_END = 0
REASON_GAME_OVER = 1
