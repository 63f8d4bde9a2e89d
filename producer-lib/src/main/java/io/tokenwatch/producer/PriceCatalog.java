package io.tokenwatch.producer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A dated price catalog: the bundled one, or a JSON file of the same shape. Model ids with a date or
 * version suffix resolve to their family ({@code claude-sonnet-4-5-20250929} → {@code claude-sonnet-4-5},
 * {@code gpt-4o-mini-2024-07-18} → {@code gpt-4o-mini}); anything else unknown has no price — it is
 * never guessed from a similar name.
 */
public final class PriceCatalog {
    private static final Pattern VERSION_SUFFIX = Pattern.compile("(-\\d{8}|-\\d{4}-\\d{2}-\\d{2}|@\\d{8}|-latest|-preview)$");
    /** Costs are exact to the nano-dollar: every catalog price has at most 3 decimals per million tokens. */
    public static final int COST_SCALE = 9;

    private final String name;
    private final Map<String, ModelPrice> byModel;

    private PriceCatalog(String name, Map<String, ModelPrice> byModel) {
        this.name = name;
        this.byModel = Map.copyOf(byModel);
    }

    /** The catalog bundled in this jar. */
    public static PriceCatalog bundled() {
        try (InputStream in = PriceCatalog.class.getResourceAsStream("price-catalog.json")) {
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the bundled price catalog", e);
        }
    }

    /** A catalog from a JSON file shaped like the bundled {@code price-catalog.json}. */
    public static PriceCatalog fromFile(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return parse(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read price catalog " + file, e);
        }
    }

    private static PriceCatalog parse(InputStream in) throws IOException {
        JsonNode root = new ObjectMapper().readTree(in);
        Map<String, ModelPrice> models = new HashMap<>();
        for (JsonNode m : root.path("models")) {
            JsonNode lc = m.get("long_context");
            ModelPrice price = new ModelPrice(m.path("model").asText(), m.path("provider").asText(), rates(m),
                    lc == null ? Long.MAX_VALUE : lc.path("above_input_tokens").asLong(), lc == null ? null : rates(lc),
                    m.path("source").asText(root.path("catalog").asText()), LocalDate.parse(m.path("date").asText()));
            models.put(price.model().toLowerCase(Locale.ROOT), price);
        }
        return new PriceCatalog(root.path("catalog").asText("custom"), models);
    }

    private static ModelPrice.Rates rates(JsonNode node) {
        return new ModelPrice.Rates(decimal(node, "input"), decimal(node, "output"), decimal(node, "cache_read"),
                decimal(node, "cache_write_5m"), decimal(node, "cache_write_1h"));
    }

    private static BigDecimal decimal(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null) {
            throw new IllegalArgumentException("price catalog entry " + node + " has no '" + field + "'");
        }
        return new BigDecimal(value.asText()).setScale(6, RoundingMode.UNNECESSARY);
    }

    public String name() {
        return name;
    }

    /** The price of {@code modelId} or its family, if the catalog knows it. */
    public Optional<ModelPrice> find(String modelId) {
        String id = modelId.toLowerCase(Locale.ROOT).trim();
        int slash = id.lastIndexOf('/');
        if (slash >= 0) {
            id = id.substring(slash + 1); // "anthropic/claude-..." or "models/gemini-..."
        }
        ModelPrice exact = byModel.get(id);
        if (exact != null) {
            return Optional.of(exact);
        }
        String family = VERSION_SUFFIX.matcher(id).replaceAll("");
        return Optional.ofNullable(byModel.get(family));
    }

    /** Exact cost in USD (scale 9) of {@code usage} at {@code price}. */
    public static BigDecimal cost(TokenUsage usage, ModelPrice price) {
        ModelPrice.Rates r = price.ratesFor(usage.inputTokens());
        long cacheWrite5m = usage.cacheWriteTokens() - usage.cacheWrite1hTokens();
        BigDecimal perMillion = r.input().multiply(BigDecimal.valueOf(usage.uncachedInputTokens()))
                .add(r.cacheRead().multiply(BigDecimal.valueOf(usage.cacheReadTokens())))
                .add(r.cacheWrite5m().multiply(BigDecimal.valueOf(cacheWrite5m)))
                .add(r.cacheWrite1h().multiply(BigDecimal.valueOf(usage.cacheWrite1hTokens())))
                .add(r.output().multiply(BigDecimal.valueOf(usage.outputTokens())));
        // Prices are per million tokens: moving the point is exact and far cheaper than divide().
        return perMillion.movePointLeft(6).setScale(COST_SCALE, RoundingMode.HALF_EVEN);
    }
}
