// Store-level key/value settings (seeding done, schema notes).
import type Database from 'better-sqlite3';
import { checkText, invalid } from './validate.ts';

export interface SettingStatements {
  getSetting(key: string): string | undefined;
  setSetting(key: string, value: string): void;
}

export function settingStatements(db: Database.Database): SettingStatements {
  const get = db.prepare<[string], string>(`SELECT value FROM settings WHERE key = ?`).pluck();
  const set = db.prepare<[string, string]>(
    `INSERT INTO settings (key, value) VALUES (?, ?)
     ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
  );
  return {
    getSetting(key) {
      return get.get(key);
    },
    setSetting(key, value) {
      checkText('a setting key', key);
      if (typeof value !== 'string') throw invalid('a setting value must be a string');
      set.run(key, value);
    },
  };
}
