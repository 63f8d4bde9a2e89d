package io.tokenwatch.streams.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import io.tokenwatch.streams.config.TokenwatchConfig;
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

    private static List<JsonNode> render(Path valuesFile) throws Exception {
        var template = new Helm(CHART).template().withName("tw");
        String yaml = (valuesFile == null ? template : template.withValuesFile(valuesFile)).call();
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
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("tokenwatch.dimensions", "task,planet").call())
                .hasMessageContaining("dimensions");
        assertThatThrownBy(() -> new Helm(CHART).template().withName("tw").set("schemaRegistry.url", "registry:8081").call())
                .hasMessageContaining("url");
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
                .forEachRemaining(service -> assertThat(List.of("kafka", "schema-registry", "tokenwatch", "connect", "postgres")).contains(service));
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
