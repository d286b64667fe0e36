// The @azure/functions classes, taken from its default export: the package is CommonJS and Node's
// named-export detection misses these classes under ESM (`import { HttpRequest }` fails at run time).
import functions from "@azure/functions";

export const { HttpRequest, HttpResponse, InvocationContext } = functions;
