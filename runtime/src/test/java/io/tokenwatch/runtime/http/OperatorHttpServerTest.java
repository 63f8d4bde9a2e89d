package io.tokenwatch.runtime.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class OperatorHttpServerTest {

    @Test
    void byDefaultTheHttpPortAnswersOnLoopbackAndOnNoOtherInterface() throws Exception {
        TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://sr:8081"));
        assertThat(config.httpAddress).isEqualTo("127.0.0.1");
        try (OperatorHttpServer http = new OperatorHttpServer(config.httpAddress, 0, () -> "RUNNING", () -> true, () -> true,
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT)).start()) {
            HttpResponse<String> live = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + http.port() + "/health/live")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(live.statusCode()).isEqualTo(200);
            Optional<InetAddress> other = otherAddressOfThisHost();
            assumeTrue(other.isPresent(), "this host has no interface but loopback");
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(other.get(), http.port()), 2_000);
                }
            }).as("connecting on " + other.get()).isInstanceOf(IOException.class);
        }
    }

    private static Optional<InetAddress> otherAddressOfThisHost() throws IOException {
        for (NetworkInterface nic : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (nic.isUp() && !nic.isLoopback()) {
                for (InetAddress address : Collections.list(nic.getInetAddresses())) {
                    if (address instanceof Inet4Address) {
                        return Optional.of(address);
                    }
                }
            }
        }
        return Optional.empty();
    }
}
