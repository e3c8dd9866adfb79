# ran-gym scenario image: the ns-3 scenario programs, nothing else.
#
#   docker build -f docker/scenario.Dockerfile -t ran-gym-scenarios .
#   docker run --rm ran-gym-scenarios ran-gym-reference --gymEndpoint=tcp://HOST:PORT
#
# Only ns3_scenarios/ is copied into the build stage, so a change to the Python code
# does not rebuild the programs.
FROM debian:bookworm-slim AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libns3-dev libgsl-dev ns3 libpython3.11-dev libsqlite3-dev libxml2-dev \
      cmake g++ make pkg-config \
      libzmq3-dev cppzmq-dev protobuf-compiler libprotobuf-dev \
 && rm -rf /var/lib/apt/lists/*
COPY ns3_scenarios /src/ns3_scenarios
RUN cmake -S /src/ns3_scenarios -B /build -DCMAKE_BUILD_TYPE=Release \
 && cmake --build /build -j"$(nproc)" \
 && cmake --install /build --prefix /opt/ran-gym

FROM debian:bookworm-slim
# Runtime libraries only: ns-3's shared libraries, ZeroMQ and protobuf.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libns3.37 libzmq5 libprotobuf32 \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --uid 10001 --create-home ran-gym
COPY --from=build /opt/ran-gym/bin/ /usr/local/bin/
# Mount points of the compose file's shared volumes, owned by the image's user so
# that a fresh named volume is too.
RUN mkdir -p /run/ran-gym /runs && chown ran-gym /run/ran-gym /runs
USER ran-gym
WORKDIR /home/ran-gym
# The command is the scenario program and its arguments.
CMD ["ran-gym-reference", "--help"]
