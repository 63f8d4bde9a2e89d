package io.tokenwatch.runtime.http;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tokenwatch.http.HttpReply;
import io.tokenwatch.registry.TestCertificates;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.io.InputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.KeyStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class HttpPortTest {
    private static final Map<String, String> CLUSTER = Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://sr:8081");
    private final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static HttpPort server(HttpEndpoint endpoint) {
        return new HttpPort(endpoint).probes(() -> "RUNNING", () -> true, () -> true, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    private HttpResponse<String> get(String url) throws Exception {
        return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void byDefaultTheHttpPortAnswersOnLoopbackAndOnNoOtherInterface() throws Exception {
        TokenwatchConfig config = TokenwatchConfig.of(CLUSTER);
        assertThat(config.httpAddress).isEqualTo("127.0.0.1");
        try (HttpPort http = server(HttpEndpoint.of(config, 0)).start()) {
            assertThat(get(http.url() + "/health/live").statusCode()).isEqualTo(200);
            Optional<InetAddress> other = otherAddressOfThisHost();
            assumeTrue(other.isPresent(), "this host has no interface but loopback");
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress(other.get(), http.port()), 2_000);
                }
            }).as("connecting on " + other.get()).isInstanceOf(IOException.class);
        }
    }

    @Test
    void theLongestPrefixAnswersAndABodyAboveItsRoutesBoundIsRefusedUnread() throws Exception {
        try (HttpPort http = server(HttpEndpoint.plain("127.0.0.1", 0))
                .route("/", call -> HttpReply.text(200, "page " + call.path()))
                .route("/api/", call -> HttpReply.text(200, "api " + call.path() + " " + call.query()))
                .route("/v1/traces", 1024, call -> HttpReply.text(200, "took " + call.body().length)).start()) {
            assertThat(get(http.url() + "/app.js").body()).isEqualTo("page /app.js");
            assertThat(get(http.url() + "/api/groups?dimension=team&x=a%20b").body()).isEqualTo("api /api/groups {dimension=team, x=a b}");
            HttpResponse<String> small = client.send(HttpRequest.newBuilder(URI.create(http.url() + "/v1/traces"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1024])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(small.body()).isEqualTo("took 1024");
            HttpResponse<String> large = client.send(HttpRequest.newBuilder(URI.create(http.url() + "/v1/traces"))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[1025])).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(large.statusCode()).isEqualTo(413);
        }
    }

    @Test
    void probesAreAnsweredWhileSlowSocketsAndABusyRouteHoldEverythingElse() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService callers = Executors.newFixedThreadPool(60);
        List<Socket> slow = new ArrayList<>();
        try (HttpPort http = server(HttpEndpoint.plain("127.0.0.1", 0)).route("/api/", call -> {
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return HttpReply.text(200, "late");
        }).start()) {
            for (int i = 0; i < 100; i++) { // more than the server has threads: each sends half a request line and waits
                Socket socket = new Socket(InetAddress.getLoopbackAddress(), http.port());
                socket.getOutputStream().write("GET /health/li".getBytes(StandardCharsets.US_ASCII));
                slow.add(socket);
            }
            List<Future<Integer>> busy = new ArrayList<>();
            for (int i = 0; i < 60; i++) { // more API requests than are admitted at once, all held
                busy.add(callers.submit(() -> get(http.url() + "/api/x").statusCode()));
            }
            long start = System.nanoTime();
            assertThat(get(http.url() + "/health/live").statusCode()).isEqualTo(200);
            assertThat(get(http.url() + "/metrics").body()).contains("jvm_memory_used_bytes");
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
            release.countDown();
            for (Future<Integer> request : busy) {
                assertThat(request.get(30, TimeUnit.SECONDS)).isIn(200, 503);
            }
        } finally {
            callers.shutdownNow();
            for (Socket socket : slow) {
                socket.close();
            }
        }
    }

    @Test
    void withAKeyStoreThePortServesHttpsOnly() throws Exception {
        TestCertificates certificates = TestCertificates.create();
        TokenwatchConfig config = TokenwatchConfig.of(Map.of("bootstrap.servers", "k:9092", "schema.registry.url", "http://sr:8081",
                "tokenwatch.http.tls.keystore.location", certificates.keyStore().toString(),
                "tokenwatch.http.tls.keystore.password", TestCertificates.PASSWORD));
        assertThat(config.httpTls.orElseThrow().toString()).doesNotContain(TestCertificates.PASSWORD);
        try (HttpPort http = server(HttpEndpoint.of(config, 0)).start()) {
            assertThat(http.url()).startsWith("https://127.0.0.1:");
            HttpClient trusting = HttpClient.newBuilder().sslContext(trusting(certificates)).build();
            assertThat(trusting.send(HttpRequest.newBuilder(URI.create(http.url() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString())
                    .body()).isEqualTo("RUNNING");
            assertThatThrownBy(() -> get("http://127.0.0.1:" + http.port() + "/health/ready").statusCode())
                    .as("plain HTTP to the HTTPS port").isInstanceOf(IOException.class);
        }
    }

    private static SSLContext trusting(TestCertificates certificates) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(certificates.trustStore())) {
            trust.load(in, TestCertificates.PASSWORD.toCharArray());
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        factory.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, factory.getTrustManagers(), null);
        return context;
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
