package io.tokenwatch.streams.reconcile;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Against a real local HTTP server standing in for a usage API that streams without end. */
class UsageHttpTest {

    @Test
    void aPageLargerThanAnyRealReportFailsThePassInsteadOfFillingTheHeap() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/organizations/usage_report/messages", exchange -> {
            exchange.sendResponseHeaders(200, 0);
            byte[] chunk = new byte[64 * 1024];
            Arrays.fill(chunk, (byte) ' ');
            try (OutputStream out = exchange.getResponseBody()) {
                out.write('[');
                for (int i = 0; i < 1024; i++) {
                    out.write(chunk);
                }
            } catch (IOException e) {
                // the client hung up at its bound: expected
            }
        });
        server.start();
        try {
            UsageHttp http = new UsageHttp(Duration.ofSeconds(10), Duration.ofSeconds(1), d -> { });
            URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/v1/organizations/usage_report/messages?bucket_width=1h");
            assertThatThrownBy(() -> http.get(uri, Map.of("x-api-key", "sk-ant-admin-test"))).isInstanceOf(IOException.class)
                    .hasMessageContaining("larger than 16777216 bytes").hasMessageNotContaining("sk-ant-admin-test");
        } finally {
            server.stop(0);
        }
    }
}
