package io.tokenwatch.streams.notify;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Against a real local HTTP server standing in for a broken or hostile webhook endpoint. */
class SlackWebhookClientTest {

    @Test
    void aHugeAnswerIsNotBufferedAndThePostIsRetriedNamingTheWebhookOnly() throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/services/T0/B0/s3cr3t", exchange -> {
            exchange.getRequestBody().readAllBytes();
            byte[] body = new byte[10 * 1024 * 1024];
            Arrays.fill(body, (byte) 'x');
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            URI url = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/services/T0/B0/s3cr3t");
            SlackWebhookClient client = new SlackWebhookClient(Webhooks.of(Map.of("default", url)), Duration.ofSeconds(5));
            SlackPoster.Result result = client.post("default", JsonNodeFactory.instance.objectNode().put("text", "spend up 40%"));
            assertThat(result.outcome()).isEqualTo(SlackPoster.Outcome.RETRY);
            assertThat(result.detail()).doesNotContain("s3cr3t");
        } finally {
            server.stop(0);
        }
    }
}
