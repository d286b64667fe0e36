// The listing discovery answers, from what each file's import gave: its workflow, or its load error with file
// and line; a name defined twice is an error of the second file. Shared by the workspace's listing
// (workflow-catalog.ts) and a draft's (list-draft-workflows.ts).
import type { WorkflowList } from "../api-types.js";
import type { WorkflowDescriptor } from "./workflow-definition.js";
import { toWorkspaceError, type SerializedError } from "./workspace-error.js";

/** What importing one file told: a workflow, an error, or neither (a helper). */
export interface DescribedFile {
  descriptor?: WorkflowDescriptor;
  error?: SerializedError;
}

/** `files`: workspace-relative, in listing order; `described`: what each one's import gave. */
export function buildWorkflowListing(files: readonly string[], described: ReadonlyMap<string, DescribedFile>, workspaceDir: string): WorkflowList {
  const listing: WorkflowList = { workflows: [], errors: [] };
  const owners = new Map<string, string>();
  for (const file of files) {
    const entry = described.get(file);
    if (entry?.error) {
      const error = toWorkspaceError(entry.error, workspaceDir);
      listing.errors.push({ file, error: error.file ? error : { ...error, file } });
    } else if (entry?.descriptor) {
      const owner = owners.get(entry.descriptor.name);
      if (owner) {
        listing.errors.push({
          file,
          error: {
            name: "DuplicateWorkflowError",
            message: `The workflow name "${entry.descriptor.name}" is already used by ${owner}: names must be unique.`,
            file,
          },
        });
      } else {
        owners.set(entry.descriptor.name, file);
        listing.workflows.push(entry.descriptor);
      }
    }
  }
  return listing;
}
