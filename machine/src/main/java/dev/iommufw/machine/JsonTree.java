package dev.iommufw.machine;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import org.jspecify.annotations.Nullable;

/**
 * Reads a JSON document into a tree with Jackson's streaming parser and the tree node factory,
 * without an {@code ObjectMapper}: building a mapper (serializer and deserializer caches,
 * introspection) costs a command-line run several times what parsing a machine description does.
 *
 * <p>The rules are those the description reader needs: a duplicate key is an error, so is anything
 * after the root value; integers are kept exact whatever their size; the parser's own limits
 * (nesting depth, number and string lengths) apply.
 */
final class JsonTree {
  private static final JsonFactory FACTORY =
      JsonFactory.builder().enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private JsonTree() {}

  /**
   * Parses {@code json}.
   *
   * @return the root, or null for an input without any value
   * @throws IOException for input that is not one well-formed JSON value
   */
  static @Nullable JsonNode parse(byte[] json) throws IOException {
    try (JsonParser p = FACTORY.createParser(json)) {
      JsonToken first = p.nextToken();
      if (first == null) {
        return null;
      }
      JsonNode root = value(p, first);
      JsonToken trailing = p.nextToken();
      if (trailing != null) {
        throw new IOException(
            "trailing token "
                + trailing
                + " after the value, at line "
                + p.currentLocation().getLineNr()
                + ", column "
                + p.currentLocation().getColumnNr());
      }
      return root;
    }
  }

  private static JsonNode value(JsonParser p, JsonToken token) throws IOException {
    switch (token) {
      case START_OBJECT -> {
        ObjectNode object = NODES.objectNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_OBJECT; t = p.nextToken()) {
          String name = p.currentName();
          object.set(name, value(p, p.nextToken()));
        }
        return object;
      }
      case START_ARRAY -> {
        ArrayNode array = NODES.arrayNode();
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
          array.add(value(p, t));
        }
        return array;
      }
      case VALUE_STRING -> {
        return NODES.textNode(p.getText());
      }
      case VALUE_NUMBER_INT -> {
        return NODES.numberNode(p.getBigIntegerValue());
      }
      case VALUE_NUMBER_FLOAT -> {
        return NODES.numberNode(p.getDecimalValue());
      }
      case VALUE_TRUE -> {
        return NODES.booleanNode(true);
      }
      case VALUE_FALSE -> {
        return NODES.booleanNode(false);
      }
      case VALUE_NULL -> {
        return NODES.nullNode();
      }
      default ->
          throw new IOException(
              "unexpected "
                  + token
                  + " at line "
                  + p.currentLocation().getLineNr()
                  + ", column "
                  + p.currentLocation().getColumnNr());
    }
  }
}
