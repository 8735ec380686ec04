// Shopify's Admin API answers validation errors in graphql-ruby's words; graphql-js words them
// differently. The common ones are translated; the rest keep graphql-js's message.
import type { GraphQLError, GraphQLFormattedError } from "graphql";

interface Translated {
  message: string;
  extensions?: Record<string, unknown>;
}

function translate(error: GraphQLError): Translated {
  const field = /^Cannot query field "([^"]+)" on type "([^"]+)"\./.exec(error.message);
  if (field) {
    return {
      message: `Field '${field[1]}' doesn't exist on type '${field[2]}'`,
      extensions: { code: "undefinedField", typeName: field[2], fieldName: field[1] },
    };
  }
  const argument = /^Unknown argument "([^"]+)" on field "([^".]+)\.([^"]+)"\./.exec(error.message);
  if (argument) {
    return {
      message: `Field '${argument[3]}' doesn't accept argument '${argument[1]}'`,
      extensions: {
        code: "argumentNotAccepted",
        name: argument[3],
        typeName: "Field",
        argumentName: argument[1],
      },
    };
  }
  const required =
    /^Field "([^".]+)\.([^"]+)" argument "([^"]+)" of type "([^"]+)" is required/.exec(
      error.message,
    );
  if (required) {
    return {
      message: `Field '${required[2]}' is missing required arguments: ${required[3]}`,
      extensions: {
        code: "missingRequiredArguments",
        className: "Field",
        name: required[2],
        arguments: required[3],
      },
    };
  }
  return { message: error.message.replace(/ Did you mean .*$/, "") };
}

export function shopifyValidationMessage(error: GraphQLError): string {
  return translate(error).message;
}

export function formatGraphQLError(error: GraphQLError): GraphQLFormattedError {
  const formatted = error.toJSON();
  if (error.path) return formatted;
  const translated = translate(error);
  return {
    ...formatted,
    message: translated.message,
    ...(translated.extensions
      ? { extensions: { ...formatted.extensions, ...translated.extensions } }
      : {}),
  };
}
