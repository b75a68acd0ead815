export function inline(text: string): string;
export function markdownToHtml(md: string): string;
export function page(title: string, md: string, width: number): string;
