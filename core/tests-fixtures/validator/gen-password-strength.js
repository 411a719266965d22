#!/usr/bin/env node
// Writes password-strength.tsv beside this script: the verdicts of uni-id's own password-strength
// regexes (CO/common/validator.js, verbatim) on a corpus of edge cases and seeded random strings.
// The Rust validator has no regex engine, so its hand-written checks are tested against this
// file row by row (core/src/validator/tests/password.rs). Re-run with `node` after changing the
// corpus; the output is deterministic.
'use strict'

const fs = require('fs')
const path = require('path')

const passwordRules = {
  super: /^(?=.*[0-9])(?=.*[a-z])(?=.*[A-Z])(?=.*[~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/])[0-9a-zA-Z~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]{8,16}$/,
  strong: /^(?=.*[0-9])(?=.*[a-zA-Z])(?=.*[~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/])[0-9a-zA-Z~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]{8,16}$/,
  medium: /^(?![0-9]+$)(?![a-zA-Z]+$)(?![~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]+$)[0-9a-zA-Z~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]{8,16}$/,
  weak: /^(?=.*[0-9])(?=.*[a-zA-Z])[0-9a-zA-Z~!@#$%^&*_\-+=`|\\(){}[\]:;"'<>,.?/]{6,16}$/
}
const LEVELS = ['super', 'strong', 'medium', 'weak']

const DIGITS = '0123456789'
const LOWER = 'abcdefghijklmnopqrstuvwxyz'
const UPPER = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
const SPECIAL = '~!@#$%^&*_-+=`|\\(){}[]:;"\'<>,.?/'
// Characters outside the allowed class, as code points (the emoji is two UTF-16 units).
const OUTSIDE = [' ', '\t', '\n', '\r', '\v', '\f', '\0', '\x7f', '\u00a0', '\u2028', '\u2029',
  '\u200b', '\ufeff', '中', 'é', 'ß', 'İ', 'Ａ', '１', '😀']

const corpus = new Set()
const add = (s) => corpus.add(s)
const cycle = (pattern, n) => {
  const chars = Array.from(pattern)
  let out = ''
  for (let i = 0; i < n; i++) out += chars[i % chars.length]
  return out
}

// Every length 0–20 for each class alone, in pairs, and all together.
const classes = { d: DIGITS, l: LOWER, u: UPPER, s: SPECIAL }
const combos = ['d', 'l', 'u', 's', 'dl', 'du', 'ds', 'lu', 'ls', 'us', 'dlu', 'dls', 'dus', 'lus', 'dlus']
for (const combo of combos) {
  // Interleave the classes so a short prefix already mixes them, and also put them in blocks.
  const interleaved = []
  for (let i = 0; i < 26; i++) for (const c of combo) interleaved.push(classes[c][i % classes[c].length])
  const blocks = Array.from(combo).map((c) => classes[c].slice(0, 4)).join('')
  for (let n = 0; n <= 20; n++) {
    add(cycle(interleaved.join(''), n))
    add(cycle(blocks, n))
    add(cycle(blocks, n).split('').reverse().join(''))
  }
}

// Every special character alone, repeated, and as the only special in otherwise valid strings.
for (const ch of SPECIAL) {
  add(ch)
  add(ch.repeat(8))
  add('Abcdef1' + ch)
  add(ch + 'abcdefg1')
  add('abcdefgh' + ch)
  add('1234567' + ch)
  add('ABCDEFG' + ch)
  add('Abcdefg1' + ch + 'XYZ12345')
}

// Characters outside the class at the start, middle and end of strings that would pass.
const passing = ['Abcdef1!', 'Abcdefgh12345!@#', 'abc123', 'abcdefgh1234567', 'Abcdefgh12345!@']
for (const ch of OUTSIDE) {
  add(ch)
  add(ch.repeat(8))
  for (const p of passing) {
    add(ch + p)
    add(p + ch)
    add(p.slice(0, 3) + ch + p.slice(3))
    // Replacing a character keeps the length the same.
    add(ch + p.slice(1))
    add(p.slice(0, -1) + ch)
  }
}
// Line terminators next to `$` and inside the look-ahead's `.*`.
for (const p of passing) {
  add(p + '\n')
  add(p + '\r\n')
  add('\n' + p)
  add(p.replace(/[0-9]/, '\n'))
}

// Upper-only, lower-only, and a few well-known shapes.
add('ABCDEFGH')
add('abcdefgh')
add('ABCDEFGH1')
add('abcdefgh1')
add('Password1')
add('Password1!')
add('P@ssw0rd')
add('12345678')
add('!!!!!!!!')
add('1!1!1!1!')
add('a!a!a!a!')
add('Aa1!Aa1!Aa1!Aa1!')
add('Aa1!Aa1!Aa1!Aa1!A')

// Seeded pseudo-random strings (mulberry32) so the file is reproducible.
function mulberry32 (seed) {
  return function () {
    seed |= 0
    seed = (seed + 0x6D2B79F5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = mulberry32(20240601)
const pick = (arr) => arr[Math.floor(rand() * arr.length)]
const insideAlphabet = Array.from(DIGITS + LOWER + UPPER + SPECIAL)
const narrowAlphabets = [DIGITS, LOWER, UPPER, SPECIAL, DIGITS + LOWER, LOWER + UPPER, DIGITS + SPECIAL,
  LOWER + SPECIAL].map((a) => Array.from(a))
let target = corpus.size + 4000
while (corpus.size < target) {
  const n = Math.floor(rand() * 21)
  const r = rand()
  let s = ''
  for (let i = 0; i < n; i++) {
    if (r < 0.45) s += pick(insideAlphabet)
    else if (r < 0.7) s += rand() < 0.05 ? pick(OUTSIDE) : pick(insideAlphabet)
    else if (r < 0.85) s += pick(narrowAlphabets[Math.floor(r * 1000) % narrowAlphabets.length])
    else s += rand() < 0.3 ? pick(OUTSIDE) : pick(insideAlphabet)
  }
  add(s)
}

// JSON-escape, then escape everything outside printable ASCII so the file is plain ASCII and no
// raw tab or line terminator can break the TSV.
const escape = (s) => JSON.stringify(s).replace(/[^\x20-\x7e]/g,
  (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'))

const lines = ['# generated by gen-password-strength.js from uni-id\'s regexes; columns: ' +
  'JSON string, then 1/0 for ' + LEVELS.join(', ')]
for (const s of corpus) {
  lines.push([escape(s), ...LEVELS.map((l) => (passwordRules[l].test(s) ? '1' : '0'))].join('\t'))
}
fs.writeFileSync(path.join(__dirname, 'password-strength.tsv'), lines.join('\n') + '\n')
console.log(`wrote ${corpus.size} rows`)
