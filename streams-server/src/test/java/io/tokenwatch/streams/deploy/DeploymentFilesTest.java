package io.tokenwatch.streams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.tokenwatch.runtime.config.TokenwatchConfig;
import io.tokenwatch.streams.app.TokenwatchHttpServer;
import io.tokenwatch.streams.notify.SlackSettings;
import io.tokenwatch.streams.reconcile.ReconcileSettings;
import io.tokenwatch.streams.support.SystemTools;
import org.junit.jupiter.api.Test;

import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The Helm chart and Dockerfile, checked statically (no cluster or Docker engine here). */
class DeploymentFilesTest {
    private static final Path CHART = Path.of("../helm/tokenwatch");
    private static final Path PRODUCTION = Path.of("../helm/production-values.yaml");

    private static String renderYaml(Path valuesFile) {
        var template = new Helm(CHART).template().withName("tw");
        return (valuesFile == null ? template : template.withValuesFile(valuesFile)).call();
    }

    private static List<JsonNode> render(Path valuesFile) throws Exception {
        String yaml = renderYaml(valuesFile);
        List<JsonNode> docs = new ArrayList<>();
        try (var parser = new YAMLFactory().createParser(yaml)) {
            new YAMLMapper().readValues(parser, JsonNode.class).forEachRemaining(d -> {
                if (d != null && !d.isNull() && !d.isEmpty()) {
                    docs.add(d);
                }
            });
        }
        return docs;
    }

    private static JsonNode kind(List<JsonNode> docs, String kind) {
        return docs.stream().filter(d -> d.path("kind").asText().equals(kind)).findFirst().orElseThrow(() -> new AssertionError("no " + kind));
    }

    @Test
    void chartLintsStrictlyWithDefaultAndProductionValues() throws Exception {
        LintResult defaults = new Helm(CHART).lint().strict().call();
        assertThat(defaults.isFailed()).as(String.join("\n", defaults.getMessages())).isFalse();
        LintResult production = new Helm(chartWithValues(PRODUCTION)).lint().strict().call();
        assertThat(production.isFailed()).as(String.join("\n", production.getMessages())).isFalse();
    }

    @Test
    void renderedStatefulSetProbesTheRealEndpointsAndMountsTheStateDirectory() throws Exception {
        for (Path values : new Path[]{null, PRODUCTION}) {
            List<JsonNode> docs = render(values);
            JsonNode sts = kind(docs, "StatefulSet");
            assertThat(sts.at("/spec/podManagementPolicy").asText()).isEqualTo("Parallel");
            assertThat(sts.at("/spec/template/spec/terminationGracePeriodSeconds").asInt()).as("above the 30 s close timeout").isGreaterThan(30);
            JsonNode container = sts.at("/spec/template/spec/containers/0");
            assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
            assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
            assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo(container.at("/ports/0/name").asText());
            assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
            assertThat(sts.at("/spec/template/spec/securityContext/runAsNonRoot").asBoolean()).isTrue();

            Properties props = new Properties();
            props.load(new StringReader(kind(docs, "ConfigMap").at("/data/tokenwatch.properties").asText()));
            // The app must accept the rendered config as it is, and serve HTTP on the probed port.
            Map<String, String> settings = new java.util.HashMap<>();
            props.stringPropertyNames().forEach(k -> settings.put(k, props.getProperty(k)));
            TokenwatchConfig config = TokenwatchConfig.of(settings);
            assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(config.httpPort);
            String stateDir = props.getProperty("state.dir");
            List<String> mounts = new ArrayList<>();
            container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
            assertThat(mounts).contains(stateDir);
            assertThat(sts.at("/spec/volumeClaimTemplates/0/metadata/name").asText()).isEqualTo("state");
            assertThat(findEnv(container, "TOKENWATCH_HTTP_TOKEN").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-api");
            settings.put("tokenwatch.http.token", "from-the-secret");
            TokenwatchHttpServer.requireSafeExposure(TokenwatchConfig.of(settings)); // the rendered pod would start
            JsonNode instanceId = findEnv(container, "TOKENWATCH_KAFKA_GROUP_INSTANCE_ID");
            assertThat(instanceId.at("/valueFrom/fieldRef/fieldPath").asText()).isEqualTo("metadata.name");
        }
    }

    @Test
    void productionSecretsAreReferencedNeverInlined() throws Exception {
        List<JsonNode> docs = render(PRODUCTION);
        assertThat(docs).noneMatch(d -> d.path("kind").asText().equals("Secret"));
        JsonNode container = kind(docs, "StatefulSet").at("/spec/template/spec/containers/0");
        assertThat(findEnv(container, "TOKENWATCH_KAFKA_SASL_JAAS_CONFIG").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-kafka");
        assertThat(findEnv(container, "TOKENWATCH_KAFKA_BASIC_AUTH_USER_INFO").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-registry");
        assertThat(kind(docs, "ServiceMonitor").at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");
        assertThat(kind(docs, "PodDisruptionBudget").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    }

    @Test
    void valuesSchemaRejectsWrongValues() {
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("replicas", 0).call()).hasMessageContaining("replicas");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("http.tokenSecret.name", "").call())
                .hasMessageContaining("http.tokenSecret.name");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("tokenwatch.dimensions", "task,planet").call())
                .hasMessageContaining("dimensions");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("schemaRegistry.url", "registry:8081").call())
                .hasMessageContaining("url");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("notifier.enabled", true).call())
                .as("the notifier needs its webhooks secret").hasMessageContaining("webhooksSecret");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("notifier.routes", "team=platform").call())
                .hasMessageContaining("routes");
    }

    @Test
    void dockerfileRunsAsNonRootWithAHealthCheckOnTheLiveEndpoint() throws Exception {
        String dockerfile = Files.readString(Path.of("../docker/Dockerfile"));
        assertThat(dockerfile).contains("FROM eclipse-temurin:17-jre").contains("USER 10001:10001")
                .contains("VOLUME [\"/var/lib/tokenwatch/state\"]").contains("MaxRAMPercentage")
                .contains("io.tokenwatch.streams.cli.HealthProbe").contains("/health/live");
        assertThat(Class.forName("io.tokenwatch.streams.cli.HealthProbe")).isNotNull();
        String compose = Files.readString(Path.of("../docker/docker-compose.yml"));
        String env = Files.readString(Path.of("../docker/.env.example"));
        java.util.regex.Matcher vars = java.util.regex.Pattern.compile("\\$\\{([A-Z_]+)").matcher(compose);
        while (vars.find()) {
            assertThat(env).as(".env.example lists " + vars.group(1)).contains(vars.group(1) + "=");
        }
        new ObjectMapper(new YAMLFactory()).readTree(compose).path("services").fieldNames()
                .forEachRemaining(service -> assertThat(List.of("kafka", "schema-registry", "tokenwatch", "notifier", "reconciler", "generator", "connect", "postgres"))
                        .contains(service));
        JsonNode services = new ObjectMapper(new YAMLFactory()).readTree(compose).path("services");
        assertThat(services.at("/notifier/command/0").asText()).isEqualTo("notify-slack");
        assertThat(services.at("/generator/command/0").asText()).isEqualTo("generate");
        assertThat(services.at("/reconciler/command/0").asText()).isEqualTo("reconcile");
        assertThat(services.at("/reconciler/profiles/0").asText()).as("off unless asked for").isEqualTo("reconcile");
        assertThat(services.at("/reconciler/environment/ANTHROPIC_ADMIN_KEY").asText()).as("admin key from .env").startsWith("${ANTHROPIC_ADMIN_KEY");
        assertThat(services.at("/notifier/environment/TOKENWATCH_SLACK_WEBHOOK_DEFAULT").asText()).as("webhook from .env, not inlined")
                .startsWith("${SLACK_WEBHOOK_URL");
    }

    @Test
    void notifierDeploymentMountsItsWebhooksFileAndSharesTheValidatedConfig() throws Exception {
        assertThat(render(null)).as("off by default").noneMatch(d -> d.path("kind").asText().equals("Deployment"));
        List<JsonNode> docs = render(PRODUCTION);
        JsonNode deployment = kind(docs, "Deployment");
        assertThat(deployment.at("/spec/replicas").asInt()).isEqualTo(1);
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        assertThat(container.at("/args/0").asText()).isEqualTo("notify-slack");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        Properties props = properties(docs);
        TokenwatchConfig config = TokenwatchConfig.of(toMap(props));
        assertThat(container.at("/ports/0/containerPort").asInt()).isEqualTo(config.httpPort);
        assertThat(SlackSettings.of(config).routes()).hasSize(2);
        assertThat(SlackSettings.of(config).webhookFor("team", "platform")).isEqualTo("platform");
        Path webhooksFile = SlackSettings.of(config).webhooksFile().orElseThrow();
        assertThat(mountPaths(container)).contains(webhooksFile.getParent().toString());
        JsonNode webhooks = volume(deployment, "webhooks");
        assertThat(webhooks.at("/secret/secretName").asText()).isEqualTo("tokenwatch-slack");
        assertThat(webhooks.at("/secret/items/0/path").asText()).isEqualTo(webhooksFile.getFileName().toString());
        assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
        assertThat(findEnv(container, "TOKENWATCH_KAFKA_SASL_JAAS_CONFIG").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-kafka");
    }

    @Test
    void reconcilerDeploymentReadsTheAdminKeysFromASecretAsFilesAndIsOffByDefault() throws Exception {
        assertThat(render(null)).noneMatch(d -> d.at("/metadata/name").asText().endsWith("-reconciler"));
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("reconciler.enabled", true).call())
                .as("the reconciler needs its admin keys").hasMessageContaining("adminKeysSecret");
        String yaml = new Helm(CHART).template().withName("tw").set("reconciler.enabled", true).set("reconciler.adminKeysSecret.name", "llm-admin-keys")
                .set("reconciler.adminKeysSecret.openaiKey", "").call();
        List<JsonNode> docs = new ArrayList<>();
        new ObjectMapper(new YAMLFactory()).readerFor(JsonNode.class).<JsonNode>readValues(yaml).forEachRemaining(d -> {
            if (d != null && !d.isNull() && !d.isMissingNode()) {
                docs.add(d);
            }
        });
        JsonNode deployment = docs.stream().filter(d -> d.at("/metadata/name").asText().endsWith("-reconciler")).findFirst().orElseThrow();
        JsonNode container = deployment.at("/spec/template/spec/containers/0");
        List<String> args = new ArrayList<>();
        container.path("args").forEach(a -> args.add(a.asText()));
        assertThat(args).startsWith("reconcile").contains("tokenwatch.reconcile.anthropic.key.file=/etc/tokenwatch-reconcile/anthropic")
                .noneMatch(a -> a.contains("openai.key.file"));
        assertThat(volume(deployment, "admin-keys").at("/secret/secretName").asText()).isEqualTo("llm-admin-keys");
        assertThat(volume(deployment, "admin-keys").at("/secret/items/0/path").asText()).isEqualTo("anthropic");
        assertThat(mountPaths(container)).contains("/etc/tokenwatch-reconcile");
        assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
        assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
        // The arguments are settings the command accepts.
        Map<String, String> settings = new java.util.HashMap<>(Map.of("bootstrap.servers", "kafka:9092", "schema.registry.url", "http://registry:8081"));
        for (int i = 0; i < args.size() - 1; i++) {
            if (args.get(i).equals("--set")) {
                String[] kv = args.get(i + 1).split("=", 2);
                settings.put(kv[0], kv[1]);
            }
        }
        assertThat(ReconcileSettings.of(TokenwatchConfig.of(settings)).anthropicKeyFile()).contains(Path.of("/etc/tokenwatch-reconcile/anthropic"));
    }

    @Test
    void trustStoreApiTokenAndInstanceAddressComeFromSecretsAndPodFields() throws Exception {
        List<JsonNode> docs = render(PRODUCTION);
        Properties props = properties(docs);
        JsonNode sts = kind(docs, "StatefulSet");
        JsonNode container = sts.at("/spec/template/spec/containers/0");
        Path truststore = Path.of(props.getProperty("ssl.truststore.location"));
        assertThat(props.getProperty("schema.registry.ssl.truststore.location")).isEqualTo(truststore.toString());
        assertThat(mountPaths(container)).contains(truststore.getParent().toString());
        assertThat(volume(sts, "truststore").at("/secret/items/0/path").asText()).isEqualTo(truststore.getFileName().toString());
        assertThat(findEnv(container, "TOKENWATCH_KAFKA_SSL_TRUSTSTORE_PASSWORD").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-tls");
        assertThat(findEnv(container, "TOKENWATCH_HTTP_TOKEN").at("/valueFrom/secretKeyRef/name").asText()).isEqualTo("tokenwatch-api");
        // Each pod advertises its own address on the headless service, at the HTTP port, for the query API.
        String server = findEnv(container, "TOKENWATCH_KAFKA_APPLICATION_SERVER").path("value").asText();
        JsonNode headless = docs.stream().filter(d -> d.path("kind").asText().equals("Service") && d.at("/spec/clusterIP").asText().equals("None"))
                .findFirst().orElseThrow();
        assertThat(server).isEqualTo("$(POD_NAME)." + headless.at("/metadata/name").asText() + ".$(POD_NAMESPACE).svc:"
                + container.at("/ports/0/containerPort").asInt());
        assertThat(sts.at("/spec/serviceName").asText()).isEqualTo(headless.at("/metadata/name").asText());
    }

    @Test
    void yamllintAndShellcheckPass() throws Exception {
        Path yamllint = SystemTools.require("/usr/bin/yamllint", "yamllint");
        Path shellcheck = SystemTools.require("/usr/bin/shellcheck", "shellcheck");
        Path rendered = Path.of("target/helm-production-rendered.yaml");
        Files.writeString(rendered, renderYaml(PRODUCTION));
        assertThat(run(yamllint.toString(), "-c", "../.yamllint.yaml", "../docker/docker-compose.yml", "../helm/production-values.yaml",
                "../helm/tokenwatch/values.yaml", "../helm/tokenwatch/Chart.yaml", rendered.toString())).isEmpty();
        List<String> scripts = new ArrayList<>(List.of("../.ci/run"));
        try (var files = Files.walk(Path.of(".."), 4)) {
            files.filter(f -> f.toString().endsWith(".sh") && !f.toString().contains("/target/")).forEach(f -> scripts.add(f.toString()));
        }
        List<String> command = new ArrayList<>(List.of(shellcheck.toString()));
        command.addAll(scripts);
        assertThat(run(command.toArray(String[]::new))).isEmpty();
    }

    /** Runs a linter; returns its output when it fails, empty when it passes. */
    private static String run(String... command) throws Exception {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        return process.waitFor() == 0 ? "" : output;
    }

    private static Properties properties(List<JsonNode> docs) throws Exception {
        Properties props = new Properties();
        props.load(new StringReader(kind(docs, "ConfigMap").at("/data/tokenwatch.properties").asText()));
        return props;
    }

    private static Map<String, String> toMap(Properties props) {
        Map<String, String> settings = new java.util.HashMap<>();
        props.stringPropertyNames().forEach(k -> settings.put(k, props.getProperty(k)));
        return settings;
    }

    private static List<String> mountPaths(JsonNode container) {
        List<String> mounts = new ArrayList<>();
        container.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        return mounts;
    }

    private static JsonNode volume(JsonNode workload, String name) {
        for (JsonNode v : workload.at("/spec/template/spec/volumes")) {
            if (v.path("name").asText().equals(name)) {
                return v;
            }
        }
        throw new AssertionError("no volume " + name);
    }

    /** A copy of the chart whose values.yaml is {@code values}: helm-java's lint takes no values file. */
    private static Path chartWithValues(Path values) throws Exception {
        Path copy = Files.createTempDirectory("chart").resolve("tokenwatch");
        try (var files = Files.walk(CHART)) {
            for (Path source : files.toList()) {
                Path target = copy.resolve(CHART.relativize(source).toString());
                if (Files.isDirectory(source)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(source, target);
                }
            }
        }
        Files.copy(values, copy.resolve("values.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        return copy;
    }

    private static JsonNode findEnv(JsonNode container, String name) {
        for (JsonNode e : container.path("env")) {
            if (e.path("name").asText().equals(name)) {
                return e;
            }
        }
        throw new AssertionError("no env " + name);
    }
}
