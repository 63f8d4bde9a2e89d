package io.tokenwatch.streams.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.tokenwatch.events.v1.Budget;
import io.tokenwatch.events.v1.BudgetPeriod;
import io.tokenwatch.events.v1.Outcome;
import io.tokenwatch.kafka.EmbeddedKafkaBroker;
import io.tokenwatch.producer.CallReport;
import io.tokenwatch.producer.TokenUsage;
import io.tokenwatch.producer.TokenwatchClient;
import io.tokenwatch.registry.MockSchemaRegistry;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.runtime.kafka.TopicSetup;
import io.tokenwatch.serde.GenericAvroSerde;
import io.tokenwatch.streams.app.BudgetTopic;
import io.tokenwatch.streams.app.TokenwatchApp;
import io.tokenwatch.streams.app.TokenwatchHttpServer;
import io.tokenwatch.streams.support.FreePort;
import io.tokenwatch.streams.support.SystemTools;
import io.tokenwatch.streams.topology.WarehouseDoc;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.utils.Utils;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * The query API and the dashboard on two topology instances sharing a real in-process broker: each
 * instance hosts part of the groups, and either one answers for all (Kafka Streams metadata). The
 * page is loaded in headless Chromium (Debian's package, driven by Selenium) and must show what the
 * API returns: the trend against its baseline with the alert marker, the outlier tables, the alerts.
 */
class DashboardIT {
    private static final Duration PATIENCE = Duration.ofSeconds(120);
    private static final String TOKEN = "dashboard-it-token";
    private static final Instant NOW_HOUR = Instant.now().minus(Duration.ofHours(3)).truncatedTo(ChronoUnit.HOURS);
    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static EmbeddedKafkaBroker broker;
    private static final List<TokenwatchApp> apps = new ArrayList<>();
    private static final List<TokenwatchHttpServer> servers = new ArrayList<>();
    private static final List<String> tasks = new ArrayList<>();
    private static String incidentTask;

    @BeforeAll
    static void start() throws Exception {
        broker = EmbeddedKafkaBroker.onFreePorts().start();
        // Three tasks, at least one in each of the two partitions, so both instances host groups.
        for (int i = 0; tasks.size() < 3; i++) {
            String task = "task-" + i;
            int partition = Utils.toPositive(Utils.murmur2(("task|" + task).getBytes(StandardCharsets.UTF_8))) % 2;
            long inPartition = tasks.stream().filter(t -> Utils.toPositive(Utils.murmur2(("task|" + t).getBytes(StandardCharsets.UTF_8))) % 2 == partition).count();
            if (inPartition < 2) {
                tasks.add(task);
            }
        }
        incidentTask = tasks.get(0);
        int[] ports = {FreePort.pick(), FreePort.pick()};
        List<TokenwatchConfig> configs = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            configs.add(TokenwatchConfig.of(Map.of("bootstrap.servers", broker.bootstrapServers(), "schema.registry.url", "mock://dashboard-it",
                    "application.id", "tokenwatch-dashboard-it", "state.dir", Files.createTempDirectory("tw-dash-state").toString(),
                    "tokenwatch.topics.partitions", "2", "application.server", "127.0.0.1:" + ports[i], "tokenwatch.http.token", TOKEN,
                    "tokenwatch.anomaly.metrics", "tokens_per_call,retry_rate")));
        }
        try (Admin admin = broker.admin()) {
            TopicSetup.ensureTopics(admin, configs.get(0));
        }
        writeReconciledHours(configs.get(0));
        BudgetTopic.write(configs.get(0), Map.of(incidentBudget(), Budget.newBuilder().setDimension("task").setGroup(incidentTask)
                .setPeriod(BudgetPeriod.WEEK).setAmountUsd(50).setUpdatedAt(Instant.now()).build()));
        try (TokenwatchClient client = TokenwatchClient.builder().bootstrapServers(broker.bootstrapServers()).schemaRegistryUrl("mock://dashboard-it")
                .spillDirectory(Files.createTempDirectory("tw-spill")).queueCapacity(100_000).build()) {
            int seq = 0;
            for (int h = 7 * 24; h >= 0; h--) {
                for (int t = 0; t < tasks.size(); t++) {
                    String task = tasks.get(t);
                    boolean incident = h == 0 && task.equals(incidentTask);
                    for (int i = 0; i < 25; i++) {
                        String id = "dash-" + (++seq);
                        Instant at = NOW_HOUR.minus(Duration.ofHours(h)).plusSeconds(120L * i);
                        client.recordCall(CallReport.of(task, "claude-sonnet-4-5", TokenUsage.of(incident ? 20_000 : 4_000 * (t + 1), 800))
                                .callId(id).timestamp(at).latencyMs(700).retryCount(i % (5 + t) == 0 ? 1 : 0));
                        client.recordOutcome(id, i % (2 + t) == 0 ? Outcome.REJECTED : Outcome.ACCEPTED, "ci", null, at.plusSeconds(30));
                    }
                }
            }
        }
        for (int i = 0; i < 2; i++) {
            TokenwatchApp app = TokenwatchApp.start(configs.get(i));
            apps.add(app);
            servers.add(new TokenwatchHttpServer(app, configs.get(i), ports[i]));
        }
        await().atMost(PATIENCE).until(() -> apps.stream().allMatch(TokenwatchApp::isRunning));
        // Everything processed: every task's latest window is the current hour, and the alert is readable.
        await().atMost(PATIENCE).ignoreExceptions().until(() -> {
            JsonNode groups = getJson(0, "/api/groups");
            return groups.size() == 3 && stream(groups).allMatch(g -> Instant.parse(g.get("windowStart").asText()).equals(NOW_HOUR))
                    && getJson(0, "/api/alerts").size() > 0;
        });
    }

    @AfterAll
    static void stop() {
        servers.forEach(TokenwatchHttpServer::close);
        apps.forEach(TokenwatchApp::close);
        broker.close();
        MockSchemaRegistry.dropScope("dashboard-it");
    }

    @Test
    void anyInstanceAnswersForEveryGroupAndTheApiNeedsTheToken() throws Exception {
        Set<String> onA = names(getJson(0, "/api/local/groups"));
        Set<String> onB = names(getJson(1, "/api/local/groups"));
        assertThat(onA).as("each instance hosts part of the groups").isNotEmpty().doesNotContainAnyElementsOf(onB);
        assertThat(onB).isNotEmpty();
        Set<String> all = new HashSet<>(tasks.stream().map(t -> "task|" + t).toList());
        assertThat(names(getJson(0, "/api/groups"))).isEqualTo(all);
        assertThat(names(getJson(1, "/api/groups"))).isEqualTo(all);

        JsonNode incident = stream(getJson(1, "/api/groups")).filter(g -> g.get("group").asText().equals(incidentTask)).findFirst().orElseThrow();
        assertThat(incident.get("windowCalls").asLong()).isEqualTo(25);
        JsonNode tokens = stream(incident.get("metrics")).filter(m -> m.get("metric").asText().equals("tokens_per_call")).findFirst().orElseThrow();
        assertThat(tokens.get("observed").asDouble()).isEqualTo(20_800.0);
        assertThat(tokens.get("baseline").asDouble()).isEqualTo(4_800.0);
        assertThat(tokens.get("anomalous").asBoolean()).isTrue();

        // The series of a group on the other instance comes through the instance asked.
        String other = onA.contains("task|" + incidentTask) ? "1" : "0";
        JsonNode series = getJson(Integer.parseInt(other), "/api/groups/task/" + incidentTask + "/series");
        assertThat(series.get("points").size()).isEqualTo(7 * 24);
        assertThat(series.get("baseline").get("tokens_per_call").asDouble()).isEqualTo(4_800.0);

        JsonNode alert = getJson(0, "/api/alerts").get(0);
        assertThat(alert.get("alertId").asText()).isEqualTo("task|" + incidentTask + "|tokens_per_call|" + NOW_HOUR);
        JsonNode jumps = getJson(1, "/api/outliers").get("suddenJumps");
        assertThat(jumps.get(0).get("group").asText()).isEqualTo(incidentTask);
        assertThat(jumps.get(0).get("ratio").asDouble()).isCloseTo(20_800.0 / 4_800, within(1e-9));

        HttpResponse<String> anonymous = HTTP.send(HttpRequest.newBuilder(uri(0, "/api/groups")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(anonymous.statusCode()).isEqualTo(401);
        HttpResponse<String> health = HTTP.send(HttpRequest.newBuilder(uri(0, "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).as("probes need no token").isEqualTo(200);
        String metrics = HTTP.send(HttpRequest.newBuilder(uri(0, "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("tokenwatch_events_in_total{application=\"run\",type=\"call\"}").contains("tokenwatch_calls_joined_total")
                .contains("tokenwatch_alert_delay_seconds");
    }

    /** Two hours of gpt-4o as `reconcile` writes them: $10 billed and $8 captured, then $10 and $10. */
    private static void writeReconciledHours(TokenwatchConfig config) throws Exception {
        io.tokenwatch.serde.KafkaAvroSerializer values = new io.tokenwatch.serde.KafkaAvroSerializer();
        values.configure(Map.of("schema.registry.url", "mock://dashboard-it"), false);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<String, Object>(Map.of(
                org.apache.kafka.clients.producer.ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()),
                new org.apache.kafka.common.serialization.StringSerializer(), values)) {
            for (int i = 0; i < 2; i++) {
                Instant hour = NOW_HOUR.minus(Duration.ofHours(5 - i));
                double captured = i == 0 ? 8 : 10;
                var record = io.tokenwatch.events.v1.ReconciliationHour.newBuilder().setProvider("openai").setModel("gpt-4o").setHourStart(hour)
                        .setReportedInputTokens(0).setReportedOutputTokens(0).setReportedCacheReadTokens(0).setReportedCacheWriteTokens(0)
                        .setCapturedInputTokens(0).setCapturedOutputTokens(0).setCapturedCacheReadTokens(0).setCapturedCacheWriteTokens(0).setCapturedCalls(0)
                        .setReportedCostUsd(10).setCapturedCostUsd(captured).setCaptureRatio(captured / 10).setGapCostUsd(10 - captured)
                        .setStatus(i == 0 ? io.tokenwatch.events.v1.ReconciliationStatus.UNTRACKED : io.tokenwatch.events.v1.ReconciliationStatus.MATCHED)
                        .setReconciledAt(Instant.now()).build();
                producer.send(new org.apache.kafka.clients.producer.ProducerRecord<>(config.reconciliationTopic, "openai|gpt-4o|" + hour, record)).get();
            }
        }
    }

    @Test
    void theDashboardSendsItsContentSecurityPolicyAndAnswersOnlyToItsOwnNames() throws Exception {
        String page = rawGet(servers.get(0).port(), "127.0.0.1:" + servers.get(0).port(), "/");
        assertThat(page).startsWith("HTTP/1.1 200").containsIgnoringCase("Content-Security-Policy: default-src 'self'; script-src 'self'")
                .containsIgnoringCase("frame-ancestors 'none'");
        // A page of another site whose name was rebound to this address (DNS rebinding) gets nothing, page or API.
        assertThat(rawGet(servers.get(0).port(), "attacker.example:" + servers.get(0).port(), "/")).startsWith("HTTP/1.1 421");
        assertThat(rawGet(servers.get(0).port(), "attacker.example", "/api/groups")).startsWith("HTTP/1.1 421");
        assertThat(rawGet(servers.get(0).port(), "localhost:" + servers.get(0).port(), "/health/live")).startsWith("HTTP/1.1 200");
    }

    /** A GET with the Host header a browser would send (the JDK's HTTP client will not set it). */
    private static String rawGet(int port, String host, String path) throws Exception {
        try (java.net.Socket socket = new java.net.Socket(java.net.InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout(10_000);
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
                    .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            return new String(socket.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
    }

    @Test
    void reconciliationIsSummedPerModelFromTheReconciledHours() throws Exception {
        JsonNode models = await().atMost(PATIENCE).ignoreExceptions().until(() -> getJson(1, "/api/reconciliation?days=7"), m -> m.size() == 1);
        JsonNode gpt = models.get(0);
        assertThat(gpt.get("model").asText()).isEqualTo("gpt-4o");
        assertThat(gpt.get("reportedUsd").asDouble()).isEqualTo(20.0);
        assertThat(gpt.get("capturedUsd").asDouble()).isEqualTo(18.0);
        assertThat(gpt.get("captureRate").asDouble()).isCloseTo(0.9, within(1e-9));
        assertThat(gpt.get("untrackedUsd").asDouble()).isEqualTo(2.0);
        assertThat(gpt.get("latestStatus").asText()).isEqualTo("MATCHED");
    }

    private static String incidentBudget() {
        return "task|" + incidentTask + "|week";
    }

    /** The incident task's weekly budget: counted by the instance hosting the group, answered by both. */
    @Test
    void budgetsAreAnsweredByEveryInstanceWithTheSpendOfTheirPeriod() throws Exception {
        JsonNode fromA = getJson(0, "/api/budgets");
        JsonNode fromB = getJson(1, "/api/budgets");
        assertThat(fromA).hasSize(1);
        assertThat(fromA).isEqualTo(fromB);
        JsonNode budget = fromA.get(0);
        assertThat(budget.get("key").asText()).isEqualTo(incidentBudget());
        Instant weekStart = Instant.parse(budget.get("periodStart").asText());
        assertThat(weekStart.atZone(java.time.ZoneOffset.UTC).getDayOfWeek()).isEqualTo(java.time.DayOfWeek.MONDAY);
        // The spend of the week so far is the cost of the group's windows since Monday 00:00 UTC.
        double windows = stream(getJson(0, "/api/groups/task/" + incidentTask + "/series").get("points"))
                .filter(p -> !Instant.parse(p.get("windowStart").asText()).isBefore(weekStart))
                .mapToDouble(p -> p.get("values").get("cost_usd").asDouble()).sum();
        assertThat(budget.get("spentUsd").asDouble()).isCloseTo(windows, within(1e-6));
        assertThat(budget.get("amountUsd").asDouble()).isEqualTo(50.0);
    }

    @Test
    void dashboardInHeadlessChromiumShowsWhatTheApiReturns() throws Exception {
        Path chromium = SystemTools.require("/usr/bin/chromium", "chromium");
        Path chromedriver = SystemTools.require("/usr/bin/chromedriver", "chromium-driver");
        ChromeOptions options = new ChromeOptions().setBinary(chromium.toFile()).addArguments("--headless=new", "--no-sandbox", "--disable-gpu",
                "--disable-dev-shm-usage", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--window-size=1400,1500", "--user-data-dir=" + Files.createTempDirectory("tw-chromium"));
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(chromedriver.toFile()).build();
        ChromeDriver browser = new ChromeDriver(service, options);
        try {
            // No group in the address: the page opens on the group and metric of the newest alert.
            browser.get("http://127.0.0.1:" + servers.get(0).port() + "/");
            WebDriverWait wait = new WebDriverWait(browser, PATIENCE);
            // The API is protected: the page asks for the token.
            WebElement tokenField = wait.until(b -> b.findElement(By.id("token")).isDisplayed() ? b.findElement(By.id("token")) : null);
            tokenField.sendKeys(TOKEN);
            browser.findElement(By.cssSelector("#token-form button")).click();
            wait.until(b -> "true".equals(b.findElement(By.tagName("body")).getDomAttribute("data-loaded"))
                    && !b.findElements(By.cssSelector("#trend .point")).isEmpty());

            JsonNode series = getJson(0, "/api/groups/task/" + incidentTask + "/series");
            WebElement chart = browser.findElement(By.id("trend"));
            assertThat(chart.getDomAttribute("data-group")).isEqualTo("task|" + incidentTask);
            assertThat(chart.getDomAttribute("data-metric")).isEqualTo("tokens_per_call");
            List<WebElement> points = chart.findElements(By.cssSelector(".point"));
            assertThat(points).hasSize(series.get("points").size());
            assertThat(Double.parseDouble(points.get(points.size() - 1).getDomAttribute("data-value"))).isEqualTo(20_800.0);
            assertThat(Double.parseDouble(chart.findElement(By.cssSelector(".baseline")).getDomAttribute("data-value")))
                    .isEqualTo(series.get("baseline").get("tokens_per_call").asDouble());
            String alertId = "task|" + incidentTask + "|tokens_per_call|" + NOW_HOUR;
            assertThat(chart.findElements(By.cssSelector(".alert-marker"))).extracting(e -> e.getDomAttribute("data-alert-id")).containsExactly(alertId);

            assertThat(browser.findElements(By.cssSelector("#alerts tbody tr"))).extracting(e -> e.getDomAttribute("data-alert-id")).contains(alertId);
            List<String> spendOrder = stream(getJson(0, "/api/outliers").get("highestCost")).map(g -> "task=" + g.get("group").asText()).toList();
            assertThat(browser.findElements(By.cssSelector("#highest-cost tbody tr"))).extracting(e -> e.getDomAttribute("data-group"))
                    .containsExactlyElementsOf(spendOrder);
            assertThat(browser.findElement(By.cssSelector("#sudden-jumps tbody tr")).getText()).contains("task=" + incidentTask, "tokens_per_call", "4.33x");

            // Round y ticks (a step of 1, 2 or 5 times a power of ten, from 0, the top one above every value), time labels
            // kept inside the chart, one money format, and a legend for the colours of the jump rows and alert statuses.
            List<Double> ticks = chart.findElements(By.cssSelector(".y-tick")).stream().map(e -> Double.parseDouble(e.getDomAttribute("data-value"))).toList();
            assertThat(ticks).hasSizeBetween(3, 7).startsWith(0.0).isSorted();
            double step = ticks.get(1);
            double mantissa = step / Math.pow(10, Math.floor(Math.log10(step)));
            assertThat(mantissa).as("tick step " + step).isIn(1.0, 2.0, 5.0);
            assertThat(ticks).allSatisfy(t -> assertThat(t / step).isCloseTo(Math.rint(t / step), within(1e-9)));
            assertThat(ticks.get(ticks.size() - 1)).isGreaterThanOrEqualTo(20_800.0);
            assertThat(chart.findElements(By.cssSelector(".y-tick"))).extracting(WebElement::getText).contains("0", "10,000");
            List<WebElement> timeLabels = chart.findElements(By.cssSelector(".x-tick"));
            assertThat(timeLabels).extracting(e -> e.getDomAttribute("text-anchor")).containsExactly("start", "middle", "end");
            assertThat(browser.findElements(By.cssSelector("#alerts tbody tr td:last-child"))).extracting(WebElement::getText)
                    .allMatch(t -> t.matches("-?\\$\\d{1,3}(,\\d{3})*\\.\\d{2}|-?<\\$0\\.01"), "dollars and cents");
            assertThat(browser.findElement(By.id("jumps-legend")).getText()).contains("red: beyond the alert rule");
            assertThat(browser.findElement(By.id("alerts-legend")).getText()).contains("OPEN", "ESCALATED", "RESOLVED");

            // A bar per budget with what /api/budgets says: spent, projection, limit.
            JsonNode budget = getJson(0, "/api/budgets").get(0);
            WebElement bar = wait.until(b -> b.findElements(By.cssSelector("#budgets .budget")).stream().findFirst().orElse(null));
            assertThat(bar.getDomAttribute("data-budget")).isEqualTo(incidentBudget());
            assertThat(Double.parseDouble(bar.getDomAttribute("data-spent"))).isEqualTo(budget.get("spentUsd").asDouble());
            assertThat(Double.parseDouble(bar.getDomAttribute("data-limit"))).isEqualTo(50.0);
            assertThat(bar.getText()).contains("task=" + incidentTask + " · week to ", " of $50.00 (");
            assertThat(bar.findElements(By.cssSelector("rect.spent, line.limit"))).hasSize(2);
            assertThat(browser.findElement(By.id("budgets-legend")).getText()).contains("spent", "projected", "limit");
            WebElement reconciled = wait.until(b -> b.findElements(By.cssSelector("#reconciliation tbody tr")).stream().findFirst().orElse(null));
            assertThat(reconciled.getDomAttribute("data-model")).isEqualTo("openai/gpt-4o");
            assertThat(reconciled.getText()).contains("90.0%", "$20.00", "$18.00", "$2.00", "MATCHED");
            assertThat(reconciled.getDomAttribute("class")).as("10 % not captured: beyond the 5 % tolerance").isEqualTo("anomalous");

            Path shot = browser.getScreenshotAs(OutputType.FILE).toPath();
            Files.copy(shot, Path.of("target/dashboard.png"), StandardCopyOption.REPLACE_EXISTING);
        } finally {
            browser.quit();
        }
    }

    /** The warehouse view: output topics read by a plain consumer with a generic Avro reader through the registry, as a sink would. */
    @Test
    void outputTopicsReadByAGenericConsumerHaveTheDocumentedColumns() throws Exception {
        String doc = Files.readString(Path.of("../docs/WAREHOUSE.md"));
        Map<String, String> recordOfTopic = Map.of("llm.calls.joined.v1", "JoinedCall", "llm.task-stats.v1", "GroupWindowStats",
                "llm.alerts.v1", "AnomalyAlert");
        GenericAvroSerde generic = new GenericAvroSerde();
        generic.configure(Map.of("schema.registry.url", "mock://dashboard-it"), false);
        Map<String, Object> props = Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (KafkaConsumer<String, GenericRecord> consumer = new KafkaConsumer<>(props, new StringDeserializer(), generic.deserializer())) {
            for (var topic : recordOfTopic.entrySet()) {
                List<TopicPartition> partitions = consumer.partitionsFor(topic.getKey()).stream().map(p -> new TopicPartition(topic.getKey(), p.partition())).toList();
                consumer.assign(partitions);
                consumer.seekToBeginning(partitions);
                List<GenericRecord> values = new ArrayList<>();
                await().atMost(PATIENCE).until(() -> {
                    consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
                    return !values.isEmpty();
                });
                for (GenericRecord value : values) {
                    assertThat(value.getSchema().getName()).isEqualTo(topic.getValue());
                    assertThat(WarehouseDoc.columns(doc, topic.getValue())).as(topic.getKey() + " vs docs/WAREHOUSE.md")
                            .containsExactlyEntriesOf(WarehouseDoc.columnsOf(value.getSchema()));
                }
            }
        }
    }

    private static JsonNode getJson(int instance, String path) throws Exception {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(uri(instance, path)).header("Authorization", "Bearer " + TOKEN).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(path + ": " + response.body()).isEqualTo(200);
        return QueryApi.JSON.readTree(response.body());
    }

    private static URI uri(int instance, String path) {
        return URI.create("http://127.0.0.1:" + servers.get(instance).port() + path);
    }

    private static java.util.stream.Stream<JsonNode> stream(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false);
    }

    private static Set<String> names(JsonNode groups) {
        Set<String> names = new HashSet<>();
        groups.forEach(g -> names.add(g.get("dimension").asText() + "|" + g.get("group").asText()));
        return names;
    }
}
