/**
 * Registers pcc's search attributes (src/shared/search-attributes.ts) in the namespace, so the Web
 * UI can list runs by root, backend and phase. The embedded dev server is started with them; a
 * shared cluster gets them through the operator service. Where that is refused (a namespace
 * without admin rights, Temporal Cloud), runs start without them and say so once.
 */
import type { Connection } from '@temporalio/client';
import { SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { consoleLine } from '../logging/logger';
import { PCC_SEARCH_ATTRIBUTES } from '../shared/search-attributes';

const INDEXED_TYPE = {
  [SearchAttributeType.KEYWORD]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  [SearchAttributeType.KEYWORD_LIST]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
} as Record<string, temporal.api.enums.v1.IndexedValueType>;

/** `--search-attribute` values for `temporal server start-dev`. */
export function devServerSearchAttributeArgs(): string[] {
  const cliType = {
    [SearchAttributeType.KEYWORD]: 'Keyword',
    [SearchAttributeType.KEYWORD_LIST]: 'KeywordList',
  };
  return PCC_SEARCH_ATTRIBUTES.flatMap((a) => [
    '--search-attribute',
    `${a.name}=${cliType[a.type as keyof typeof cliType]}`,
  ]);
}

/** True when every pcc attribute exists in the namespace (registering the missing ones first). */
export async function registerSearchAttributes(connection: Connection, namespace: string): Promise<boolean> {
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = PCC_SEARCH_ATTRIBUTES.filter((a) => !customAttributes?.[a.name]);
    if (missing.length === 0) return true;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((a) => [a.name, INDEXED_TYPE[a.type]])),
    });
    return true;
  } catch (err) {
    consoleLine(
      'warn',
      `runs start without search attributes (PccRoots, PccBackend, PccPhase): registering them failed: ${(err as Error).message.split('\n')[0]}`,
    );
    return false;
  }
}
