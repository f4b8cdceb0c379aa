# A small static image of the `sortie` command: built on Alpine (musl, so the
# binary is static), shipped on `scratch` with the CA certificates and nothing else.
#
#   docker build -t sortie .
#   docker run --rm --user "$(id -u):$(id -g)" -v "$PWD:/work" sortie run collections/ --junit junit.xml
#
# (--user: the reports belong to you, not to root.)
FROM rust:1.95-alpine AS build
RUN apk add --no-cache musl-dev ca-certificates
WORKDIR /src
COPY . .
# Only the `sortie` package: the demo API (demo/) is not in the image.
RUN cargo build --release --locked -p sortie --bin sortie \
    && strip target/release/sortie \
    && ./target/release/sortie --version

FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /src/target/release/sortie /usr/local/bin/sortie
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/sortie"]
CMD ["--help"]
