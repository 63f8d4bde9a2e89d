package io.tokenwatch.schemas;

import org.junit.jupiter.api.Test;

import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/** The build's evolution guard: this test fails the build when a contract change is unsafe. */
class SchemaEvolutionGuardTest {

    @Test
    void currentContractIsBackwardAndForwardCompatibleWithThePreviousRelease() {
        assertThat(SchemaEvolutionGuard.loadTopLevel(Path.of("evolution/previous")))
                .containsKeys("io.tokenwatch.events.v1.LlmCall", "io.tokenwatch.events.v1.CallOutcome",
                        "io.tokenwatch.events.v1.JoinedCall", "io.tokenwatch.events.v1.GroupWindowStats",
                        "io.tokenwatch.events.v1.SessionSummary", "io.tokenwatch.events.v1.AnomalyAlert",
                        "io.tokenwatch.events.v1.Budget", "io.tokenwatch.events.v1.ReconciliationHour");
        assertThat(SchemaEvolutionGuard.violations(Path.of("evolution/previous"), Path.of("src/main/avro"))).isEmpty();
    }

    @Test
    void guardRejectsAFieldAddedWithoutDefaultAndAFieldTypeChange() {
        var violations = SchemaEvolutionGuard.violations(
                Path.of("src/test/resources/evolution/incompatible/previous"),
                Path.of("src/test/resources/evolution/incompatible/current"));
        assertThat(violations).anyMatch(v -> v.contains("fixture.Usage: not backward") && v.contains("READER_FIELD_MISSING_DEFAULT"));
        assertThat(violations).anyMatch(v -> v.contains("fixture.Usage: not forward") && v.contains("TYPE_MISMATCH"));
    }

    @Test
    void guardAcceptsAnOptionalFieldWithADefault() {
        assertThat(SchemaEvolutionGuard.violations(
                Path.of("src/test/resources/evolution/compatible/previous"),
                Path.of("src/test/resources/evolution/compatible/current"))).isEmpty();
    }
}
