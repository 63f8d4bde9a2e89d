package io.tokenwatch.http;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real local HTTP server: a body with a declared length, and one streamed in chunks with none. */
class BoundedBodyTest {
    private static final int LIMIT = 64 * 1024;
    private HttpServer server;
    private final HttpClient client = HttpClient.newHttpClient();

    @BeforeEach
    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/declared", exchange -> {
            int size = Integer.parseInt(exchange.getRequestURI().getQuery());
            byte[] body = new byte[size];
            Arrays.fill(body, (byte) 'a');
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.createContext("/chunked", exchange -> {
            exchange.sendResponseHeaders(200, 0); // no length: chunked, as an endless or hostile stream would be
            byte[] chunk = new byte[8192];
            Arrays.fill(chunk, (byte) 'b');
            try (OutputStream out = exchange.getResponseBody()) {
                for (int i = 0; i < 10_000; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client hung up once it had read enough: expected
            }
        });
        server.start();
    }

    @AfterEach
    void stop() {
        server.stop(0);
    }

    private String get(String path) throws Exception {
        URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
        return client.send(HttpRequest.newBuilder(uri).build(), BoundedBody.ofString(LIMIT)).body();
    }

    @Test
    void aBodyWithinTheBoundIsReadWhole() throws Exception {
        assertThat(get("/declared?" + LIMIT)).hasSize(LIMIT);
    }

    @Test
    void aDeclaredOrStreamedBodyAboveTheBoundFailsAsAnIoErrorWithoutBeingBuffered() {
        assertThatThrownBy(() -> get("/declared?" + (LIMIT + 1))).isInstanceOf(IOException.class)
                .hasMessageContaining("larger than 65536 bytes");
        assertThatThrownBy(() -> get("/chunked")).as("80 MB streamed without a length").isInstanceOf(IOException.class)
                .hasMessageContaining("larger than 65536 bytes");
    }
}
