package io.tokenwatch.registry;

import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RestSchemaRegistryClientTest {
    private static final Schema V1 = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("id").endRecord();
    private static final Schema V2 = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("id")
            .name("size").type().longType().longDefault(0).endRecord();
    private static final Schema BREAKING = SchemaBuilder.record("Thing").namespace("t").fields().requiredString("id")
            .requiredLong("size").endRecord();

    private LocalSchemaRegistryServer server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private RestSchemaRegistryClient client(String userInfo, String... urls) {
        return new RestSchemaRegistryClient(java.util.Arrays.stream(urls).map(URI::create).toList(), RestSchemaRegistryClient.basic(userInfo), null,
                3, Duration.ofSeconds(5), Duration.ofMillis(10));
    }

    @Test
    void registersLooksUpAndFetchesWithTheRegistryContentType() throws Exception {
        server = new LocalSchemaRegistryServer(null);
        RestSchemaRegistryClient client = client(null, server.url());

        int id = client.register("things-value", V1);
        assertThat(client.register("things-value", V1)).isEqualTo(id);
        assertThat(client.lookupId("things-value", V1)).isEqualTo(id);
        assertThat(client.schemaById(id)).isEqualTo(V1);
        int id2 = client.register("things-value", V2);
        assertThat(id2).isNotEqualTo(id);
        SchemaRegistryClient.SubjectVersion latest = client.latest("things-value");
        assertThat(latest.version()).isEqualTo(2);
        assertThat(latest.id()).isEqualTo(id2);
        assertThat(latest.schema()).isEqualTo(V2);
        assertThat(server.requests()).contains("POST /subjects/things-value/versions application/vnd.schemaregistry.v1+json");
    }

    @Test
    void clientErrorsCarryTheRegistryErrorCodeAndAreNotRetried() throws Exception {
        server = new LocalSchemaRegistryServer(null);
        RestSchemaRegistryClient client = client(null, server.url());

        assertThatThrownBy(() -> client.latest("missing-value"))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40401))
                .hasMessageContaining("Subject 'missing-value' not found");
        assertThatThrownBy(() -> client.schemaById(999))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(40403));
        client.register("things-value", V1);
        assertThatThrownBy(() -> client.register("things-value", BREAKING))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.errorCode()).isEqualTo(409))
                .hasMessageContaining("incompatible");
        long registerAttempts = server.requests().stream().filter(r -> r.startsWith("POST /subjects/things-value/versions")).count();
        assertThat(registerAttempts).isEqualTo(2);
    }

    @Test
    void retriesServerErrorsAndFallsOverToTheNextUrl() throws Exception {
        server = new LocalSchemaRegistryServer(null);
        server.failNext(1);
        RestSchemaRegistryClient client = client(null, server.url());
        assertThat(client.register("things-value", V1)).isPositive();
        assertThat(server.requests()).hasSize(2);

        // First URL refuses connections (nothing listens on the discard port 9 of loopback).
        RestSchemaRegistryClient failover = client(null, "http://127.0.0.1:9", server.url());
        assertThat(failover.schemaById(client.lookupId("things-value", V1))).isEqualTo(V1);
    }

    @Test
    void givesUpWithAClearErrorWhenTheRegistryStaysDown() throws Exception {
        server = new LocalSchemaRegistryServer(null);
        server.failNext(10);
        RestSchemaRegistryClient client = client(null, server.url());
        assertThatThrownBy(() -> client.register("things-value", V1))
                .isInstanceOf(SchemaRegistryException.class)
                .hasMessageContaining("answered 500");
        assertThat(server.requests()).hasSize(3);
    }

    @Test
    void sendsBasicAuthCredentials() throws Exception {
        server = new LocalSchemaRegistryServer("svc:s3cret");
        assertThatThrownBy(() -> client(null, server.url()).register("things-value", V1))
                .isInstanceOfSatisfying(SchemaRegistryException.class, e -> assertThat(e.httpStatus()).isEqualTo(401));
        assertThat(client("svc:s3cret", server.url()).register("things-value", V1)).isPositive();
    }

    @Test
    void anAnswerLargerThanAnySchemaIsAnOutageNotParsed() throws Exception {
        com.sun.net.httpserver.HttpServer huge = com.sun.net.httpserver.HttpServer.create(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        huge.createContext("/", exchange -> {
            byte[] body = new byte[5 * 1024 * 1024];
            java.util.Arrays.fill(body, (byte) ' ');
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        huge.start();
        try {
            RestSchemaRegistryClient client = client(null, "http://127.0.0.1:" + huge.getAddress().getPort());
            assertThatThrownBy(() -> client.schemaById(1)).isInstanceOfSatisfying(SchemaRegistryException.class,
                    e -> assertThat(e.isUnavailable()).as("retried, then the reader stops uncommitted").isTrue())
                    .hasMessageContaining("larger than 4194304 bytes");
        } finally {
            huge.stop(0);
        }
    }
}
