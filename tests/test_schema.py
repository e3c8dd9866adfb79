"""The Python message classes describe exactly the schema the C++ side compiles, and
they work with whatever protobuf runtime is installed (no generated code to drift)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import google.protobuf
import pytest
from google.protobuf import descriptor_pb2

from bridge.protocol import schema as pb

PROTO = Path(__file__).resolve().parents[1] / "ns3_scenarios" / "gym" / "ns3opengym.proto"


def _normalised(proto: descriptor_pb2.FileDescriptorProto) -> descriptor_pb2.FileDescriptorProto:
    proto = descriptor_pb2.FileDescriptorProto.FromString(proto.SerializeToString())
    proto.ClearField("source_code_info")
    for message in proto.message_type:
        for field in message.field:
            field.ClearField("json_name")
    return proto


def test_python_schema_equals_the_proto_file(tmp_path):
    protoc = shutil.which("protoc")
    assert protoc, "protoc is needed (Debian package protobuf-compiler; `make test` installs it)"
    out = tmp_path / "set.pb"
    subprocess.run([protoc, f"-I{PROTO.parent}", f"--descriptor_set_out={out}", PROTO.name],
                   check=True, cwd=PROTO.parent)
    compiled = descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file[0]
    assert _normalised(pb.file_descriptor()) == _normalised(compiled)


def test_no_generated_module_is_shipped():
    package = Path(pb.__file__).parent
    assert not list(package.glob("*_pb2.py")), "generated code would tie us to one runtime"


def test_round_trip_on_the_installed_runtime():
    major = int(google.protobuf.__version__.split(".")[0])
    assert major >= 4, f"protobuf {google.protobuf.__version__} is older than the supported 4.25"
    msg = pb.EnvStateMsg(reward=2.5, isGameOver=True, reason=pb.REASON_GAME_OVER, info="x")
    again = pb.EnvStateMsg.FromString(msg.SerializeToString())
    assert (again.reward, again.isGameOver, again.reason, again.info) == (2.5, True, 1, "x")
    assert pb.EnvStateMsg.DESCRIPTOR.full_name == "ns3opengym.EnvStateMsg"


def test_field_numbers_are_the_protocols():
    fields = {f.name: f.number for f in pb.BoxDataContainer.DESCRIPTOR.fields}
    assert fields == {"dtype": 1, "shape": 2, "intData": 3, "uintData": 4,
                      "floatData": 5, "doubleData": 6}
    assert [f.number for f in pb.SimInitMsg.DESCRIPTOR.fields] == [1, 2, 3, 4]


@pytest.mark.parametrize("name", ["SimInitMsg", "SimInitAck", "EnvStateMsg", "EnvActMsg"])
def test_private_pool_does_not_touch_the_default_pool(name):
    from google.protobuf import descriptor_pool

    with pytest.raises(KeyError):
        descriptor_pool.Default().FindMessageTypeByName(f"ns3opengym.{name}")


def test_enum_numbers_by_name_are_the_descriptors():
    reason = pb.EnvStateMsg.DESCRIPTOR.enum_types_by_name["Reason"]
    assert {v.name: v.number for v in reason.values} == {
        "SimulationEnd": pb.REASON_SIMULATION_END, "GameOver": pb.REASON_GAME_OVER}
    for table, enum in ((pb.SPACE_TYPE, "SpaceType"), (pb.DTYPE, "Dtype")):
        values = pb.POOL.FindEnumTypeByName(f"ns3opengym.{enum}").values
        assert {v.name: v.number for v in values} == table
