/**
 * Studio black vs night. A portrait on a black backdrop is mostly dark pixels, like a night shot,
 * and zero-shot models call it "night". What tells them apart is how it was taken: a studio shot has
 * a person, a low ISO and a handheld/flash-sync shutter (1/200–1/30 s); a night shot has high ISO or
 * a long exposure. When every condition holds, `CK|studio` and `CK|black-background` are proposed
 * (source `rule:studio-black`) and `CK|night` is suppressed. A flash leaves a second, bright mode in
 * the histogram (the lit subject against black): its share of the non-dark pixels raises the score.
 * Every threshold is a config key (docs/privacy.md).
 */
import { brightRatio, darkRatio, medianLuma, type LightStats } from '../images/light';

export interface StudioNightSettings {
  /** A pixel is dark below this luma. */
  darkLuma: number;
  /** The share of dark pixels at or above which a photo looks like black studio or night. */
  minDarkRatio: number;
  /** Person presence (0–1) at or above which a person is in the photo. */
  minPersonScore: number;
  maxIso: number;
  /** Shutter range in seconds (1/200 to 1/30). */
  minShutterS: number;
  maxShutterS: number;
  /** Luma of the flash-lit mode, and how much a clear one adds to the score. */
  highlightLuma: number;
  flashBoost: number;
  /** Vocabulary labels the rule suppresses when it fires. */
  suppress: string[];
}

export const DEFAULT_STUDIO_NIGHT: StudioNightSettings = {
  darkLuma: 0.08,
  minDarkRatio: 0.65,
  minPersonScore: 0.5,
  maxIso: 1600,
  minShutterS: 1 / 200,
  maxShutterS: 1 / 30,
  highlightLuma: 0.6,
  flashBoost: 0.25,
  suppress: ['night'],
};

export const STUDIO_RULE_SOURCE = 'rule:studio-black';
export const STUDIO_TERMS = ['studio', 'black-background'] as const;

export interface StudioEvidence {
  light: LightStats;
  personScore?: number;
  iso?: number;
  /** As ExifTool prints it: "1/125", "0.008", "2". */
  exposureTime?: string;
}

export interface StudioVerdict {
  fires: boolean;
  score: number;
  /** Each condition as measured, for the photo page and the log. */
  why: string;
}

/** "1/125" → 0.008; "0.5" → 0.5; anything else → undefined. */
export function shutterSeconds(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+(?:\.\d+)?))?\s*s?\s*$/.exec(text);
  if (!m) return undefined;
  const value = m[2] ? Number(m[1]) / Number(m[2]) : Number(m[1]);
  return Number.isFinite(value) && value > 0 ? value : undefined;
}

export function studioVerdict(
  e: StudioEvidence,
  s: StudioNightSettings = DEFAULT_STUDIO_NIGHT,
): StudioVerdict {
  const dark = darkRatio(e.light, s.darkLuma);
  const shutter = shutterSeconds(e.exposureTime);
  const checks: Array<[boolean, string]> = [
    [dark >= s.minDarkRatio, `dark ${dark.toFixed(2)} (≥ ${s.minDarkRatio})`],
    [
      (e.personScore ?? 0) >= s.minPersonScore,
      `person ${e.personScore === undefined ? 'unknown' : e.personScore.toFixed(2)} (≥ ${s.minPersonScore})`,
    ],
    [e.iso !== undefined && e.iso <= s.maxIso, `ISO ${e.iso ?? 'unknown'} (≤ ${s.maxIso})`],
    [
      shutter !== undefined && shutter >= s.minShutterS - 1e-9 && shutter <= s.maxShutterS + 1e-9,
      `shutter ${e.exposureTime ?? 'unknown'} s (1/${Math.round(1 / s.minShutterS)}–1/${Math.round(1 / s.maxShutterS)})`,
    ],
  ];
  const fires = checks.every(([ok]) => ok);
  // The flash mode: bright pixels as a share of everything that is not backdrop.
  const lit = 1 - dark;
  const flash = lit > 0 ? Math.min(1, brightRatio(e.light, s.highlightLuma) / lit) : 0;
  const score = fires ? Math.round(Math.min(1, 0.7 + s.flashBoost * flash) * 1e4) / 1e4 : 0;
  const why = [
    ...checks.map(([ok, text]) => `${ok ? '✓' : '✗'} ${text}`),
    `median ${medianLuma(e.light).toFixed(2)}`,
    `flash ${flash.toFixed(2)}`,
  ].join(', ');
  return { fires, score, why };
}
