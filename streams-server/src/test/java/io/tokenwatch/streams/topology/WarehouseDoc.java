package io.tokenwatch.streams.topology;

import org.apache.avro.LogicalTypes;
import org.apache.avro.Schema;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** docs/WAREHOUSE.md's column tables, and Avro schemas written in the same notation, for the tests that compare them. */
public final class WarehouseDoc {
    private WarehouseDoc() {
    }

    /** The record's columns as decoded data has them: name -> type in the doc's notation, in order. */
    public static Map<String, String> columnsOf(Schema schema) {
        return schema.getFields().stream().collect(Collectors.toMap(Schema.Field::name, f -> render(f.schema()), (x, y) -> x, LinkedHashMap::new));
    }

    /** The column table under "#### {record} columns": column name -> Avro type, in order. */
    public static Map<String, String> columns(String doc, String record) {
        Map<String, String> columns = new LinkedHashMap<>();
        String section = doc.substring(doc.indexOf("#### " + record + " columns"));
        for (String line : section.lines().skip(4).toList()) {
            if (!line.startsWith("| `")) {
                break;
            }
            String[] cells = line.split(" \\| ");
            columns.put(cells[0].substring(3, cells[0].length() - 1), cells[1].trim());
        }
        return columns;
    }

    /** The same notation as the doc: logical types by name, nullable unions, nested records and enums by name. */
    public static String render(Schema schema) {
        if (schema.getType() == Schema.Type.UNION) {
            List<Schema> types = schema.getTypes().stream().filter(t -> t.getType() != Schema.Type.NULL).toList();
            boolean nullable = types.size() < schema.getTypes().size();
            return types.stream().map(WarehouseDoc::render).collect(Collectors.joining(" | ")) + (nullable ? ", nullable" : "");
        }
        if (schema.getLogicalType() instanceof LogicalTypes.Decimal d) {
            return "decimal(" + d.getPrecision() + "," + d.getScale() + ")";
        }
        if (schema.getLogicalType() != null) {
            return schema.getLogicalType().getName();
        }
        return switch (schema.getType()) {
            case RECORD -> "record " + schema.getName();
            case ENUM -> "enum " + schema.getName();
            case ARRAY -> "array<" + render(schema.getElementType()) + ">";
            case MAP -> "map<" + render(schema.getValueType()) + ">";
            default -> schema.getType().getName();
        };
    }
}
