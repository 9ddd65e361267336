/** The twelve standard leads in their canonical spelling. */
export const STANDARD_LEADS = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'] as const;
export type StandardLead = (typeof STANDARD_LEADS)[number];

const BY_KEY = new Map<string, StandardLead>(STANDARD_LEADS.map((l) => [l.toUpperCase(), l]));
// Spellings seen in exports from carts and other archives ("Lead II", "LeadII").
for (const l of ['I', 'II', 'III'] as const) {
  BY_KEY.set(`LEAD ${l}`, l);
  BY_KEY.set(`LEAD${l}`, l);
}

/**
 * Canonical name of a standard 12-lead ECG lead written in any case or with common decorations
 * (`AVR`, `avr`, `aVR`, `Lead II`, ` v1 `) → `aVR`, `II`, `V1`; anything else → null.
 */
export function canonicalLead(name: string): StandardLead | null {
  const key = name.trim().toUpperCase().replace(/[\s_-]+/g, ' ');
  const direct = BY_KEY.get(key) ?? BY_KEY.get(key.replace(/ /g, ''));
  if (direct) return direct;
  // EDF labels and cart exports prefix the signal type: "ECG II", "EKG V1", "ECG Lead aVR".
  const bare = key.replace(/^(ECG|EKG)\s*/, '');
  return bare !== key ? canonicalLead(bare) : null;
}
