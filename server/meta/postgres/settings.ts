// Store-level key/value settings (seeding done, schema notes).
import { checkText, invalid } from '../sqlite/validate.ts';
import type { Db } from './db.ts';

export interface SettingStatements {
  getSetting(key: string): Promise<string | undefined>;
  setSetting(key: string, value: string): Promise<void>;
}

export function settingStatements(db: Db): SettingStatements {
  return {
    async getSetting(key) {
      const [row] = await db.read<{ value: string }>(`SELECT value FROM settings WHERE key = $1`, [
        key,
      ]);
      return row?.value;
    },
    async setSetting(key, value) {
      checkText('a setting key', key);
      if (typeof value !== 'string') throw invalid('a setting value must be a string');
      await db.write(
        `INSERT INTO settings (key, value) VALUES ($1, $2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [key, value],
      );
    },
  };
}
