// A generated part sits between `<!-- generated:<name> -->` and `<!-- /generated:<name> -->` in
// a markdown file (anything after the name in the opening marker is a note for the reader);
// everything between the two is rewritten by `npm run docs`.
const BLOCK = /(<!-- generated:([a-z-]+)(?: [^>]*)? -->)[\s\S]*?(<!-- \/generated:\2 -->)/g;

/** The markdown with every generated part replaced; an unknown part's name is an error. */
export function fillParts(markdown: string, parts: Record<string, string>, file: string): string {
  return markdown.replace(BLOCK, (_, open: string, name: string, close: string) => {
    if (!(name in parts)) throw new Error(`${file}: no generator for <!-- generated:${name} -->`);
    return `${open}\n\n${parts[name]}\n\n${close}`;
  });
}
