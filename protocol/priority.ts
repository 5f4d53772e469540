/** Lower numbers travel first. Urgent overtakes routine at chunk granularity. */
export const Priority = { urgent: 0, routine: 1, bulk: 2 } as const;
export type PriorityName = keyof typeof Priority;
export type PriorityValue = (typeof Priority)[PriorityName];

export function priorityName(value: number): PriorityName {
  const found = (Object.keys(Priority) as PriorityName[]).find((k) => Priority[k] === value);
  return found ?? 'bulk';
}

export function isPriority(value: number): value is PriorityValue {
  return value === 0 || value === 1 || value === 2;
}

/** What a transfer carries; the receiver refuses kinds it does not accept. */
export const TransferKind = { case: 1, counterReference: 2, notice: 3, auditLog: 4 } as const;
export type TransferKindName = keyof typeof TransferKind;
export type TransferKindValue = (typeof TransferKind)[TransferKindName];

export function kindName(value: number): TransferKindName | undefined {
  return (Object.keys(TransferKind) as TransferKindName[]).find((k) => TransferKind[k] === value);
}
