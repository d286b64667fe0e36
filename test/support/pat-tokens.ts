// Random tokens in GitHub's formats (the prefix decides how our messages name permissions).
import { randomBytes } from "node:crypto";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function randomChars(length: number): string {
  return [...randomBytes(length)].map((byte) => alphabet[byte % alphabet.length]).join("");
}

export function classicToken(): string {
  return `ghp_${randomChars(36)}`;
}

export function fineGrainedToken(): string {
  return `github_pat_${randomChars(22)}_${randomChars(59)}`;
}
