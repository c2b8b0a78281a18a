/*
 * Liap Tui in the browser. Knows how to draw pieces and the game's view; knows no rules: what a
 * player may do comes from the server (allowed actions, declare options, play options).
 */
(function () {
  'use strict';

  const GLYPHS = {
    RED: { GENERAL: '帥', ADVISOR: '仕', ELEPHANT: '相', CHARIOT: '俥', HORSE: '傌', CANNON: '炮', SOLDIER: '兵' },
    BLACK: { GENERAL: '將', ADVISOR: '士', ELEPHANT: '象', CHARIOT: '車', HORSE: '馬', CANNON: '砲', SOLDIER: '卒' }
  };
  const PHASES = {
    PREPARATION: 'Deal and redeal offers',
    DECLARATION: 'Declarations',
    TURN: 'Playing turns',
    GAME_OVER: 'Game over'
  };

  // What the player has selected in their hand: indexes into the hand, kept across renders while
  // the hand is the same.
  const local = { handKey: '', selected: [], confirmLeave: false, roomId: null };

  // Set from each view: the value of every piece id, as the server says.
  let values = {};

  // A piece shows its value (what decides plays) and its name; the Chinese character is in the
  // tooltip, as not every machine has a font for it.
  function piece(id, esc, extra) {
    const cut = id.indexOf('_');
    const colour = id.substring(0, cut);
    const name = id.substring(cut + 1);
    const glyph = (GLYPHS[colour] || {})[name] || '';
    return '<span class="piece ' + esc(colour.toLowerCase()) + '" title="' + esc(glyph + ' ' + id.toLowerCase().replace('_', ' ')) + '"'
      + (extra || '') + '><b>' + esc(values[id] != null ? values[id] : '?') + '</b><small>' + esc(name.toLowerCase()) + '</small></span>';
  }

  /** A piece as a person reads it: "red general (14)". */
  function pieceName(id) {
    const text = id.toLowerCase().replace('_', ' ');
    return values[id] != null ? text + ' (' + values[id] + ')' : text;
  }

  const typeName = (type) => String(type || '').toLowerCase().replace(/_/g, ' ');

  function pieces(list, esc) {
    return (list || []).map((p) => piece(p, esc)).join('');
  }

  // The events that are a seat's own move.
  const MOVES = ['redeal_requested', 'redeal_declined', 'declared', 'played'];

  // A move the server made for a seat whose player was away or did not answer, when it says so
  // (app.js attaches the played_for_player event that came ahead of it as playedFor).
  function describe(e, ctx) {
    const text = describeOnly(e, ctx);
    const d = e.data || {};
    const f = e.playedFor || d;
    if (!text || MOVES.indexOf(e.name) < 0 || f.seat !== d.seat || (f.cause !== 'away' && f.cause !== 'idle')) {
      return text;
    }
    return text + (f.cause === 'away' ? ' Played by a bot while away.' : ' Played by a bot: no answer in time.');
  }

  function describeOnly(e, ctx) {
    const d = e.data || {};
    const who = (seat) => ctx.seatName(seat);
    switch (e.name) {
      case 'game_started': return 'The game starts.';
      case 'round_started': return 'Round ' + d.round + ' begins' + (d.multiplier > 1 ? ' (×' + d.multiplier + ')' : '') + '.';
      case 'redeal_offered': return who(d.seat) + ' has a weak hand and may ask for a redeal.';
      case 'redeal_requested': return who(d.seat) + ' asks for a redeal: the round now counts ×' + d.multiplier + '.';
      case 'redeal_declined': return who(d.seat) + ' keeps the hand' + (d.timedOut ? ' (no answer in time)' : '') + '.';
      case 'declaration_started': return 'Declarations start with ' + who(d.starter) + '.';
      case 'declared': return who(d.seat) + ' declares ' + d.piles + ' (total ' + d.total + ').';
      case 'turn_started': return 'Turn ' + d.turn + ': ' + who(d.leader) + ' leads.';
      case 'played': return who(d.seat) + (d.competes ? ' plays ' : ' discards ') + (d.pieces || []).map(pieceName).join(', ')
        + (d.type && d.type !== 'NONE' ? ' — ' + typeName(d.type) : '') + '.';
      case 'turn_won': return who(d.seat) + ' wins turn ' + d.turn + ' and takes ' + d.piles + ' pile' + (d.piles === 1 ? '' : 's') + '.';
      case 'round_scored': return 'Round ' + d.round + ' scored' + (d.multiplier > 1 ? ' (×' + d.multiplier + ')' : '') + ': '
        + (d.delta || []).map((x, i) => who(i) + ' ' + signed(x)).join(', ') + '.';
      case 'game_over': return d.endedBy ? 'An operator ended the game: ' + (d.reason || '') + '.'
        : d.result ? '' : 'Game over after ' + d.rounds + ' rounds.';
      case 'game_paused': return (d.by ? 'An operator paused the game: ' : 'The game is paused: ') + (d.reason || '') + '.';
      case 'game_resumed': return d.by ? 'An operator resumed the game.' : 'The game resumes.';
      default: return '';
    }
  }

  const signed = (x) => (x > 0 ? '+' : x < 0 ? '−' : '±') + Math.abs(x);

  /**
   * Why a round's points are what they are, for one seat: the rule of GAME.md's scoring that
   * applied, before the multiplier.
   */
  function scoreReason(declared, won) {
    if (declared === 0) {
      return won === 0 ? 'made zero: +3' : 'declared zero, won ' + won + ': −' + won;
    }
    return declared === won ? 'exact: ' + declared + ' + 5' : 'off by ' + Math.abs(declared - won) + ': −' + Math.abs(declared - won);
  }

  /** The last scored round: declared against won, the points and the multiplier, per player. */
  function summaryPanel(ctx, esc) {
    const d = ctx.summary;
    if (!d || !d.delta) {
      return '';
    }
    const rows = d.delta.map((x, i) => '<tr' + (i === ctx.seat ? ' class="me"' : '') + '><th scope="row">' + esc(ctx.seatName(i)) + '</th>'
      + '<td>' + d.declared[i] + '</td><td>' + d.won[i] + '</td><td>' + esc(scoreReason(d.declared[i], d.won[i]))
      + (d.multiplier > 1 ? ', ×' + d.multiplier : '') + '</td><td class="score">' + signed(x) + '</td>'
      + '<td class="score">' + (d.scores || [])[i] + '</td></tr>').join('');
    return '<section id="round-summary" class="summary" aria-labelledby="round-summary-title">'
      + '<h3 id="round-summary-title">Round ' + d.round + ' scored · points ×' + d.multiplier
      + (d.multiplier > 1 ? ' (redeals)' : '') + '</h3>'
      + '<div class="scroll" tabindex="0" role="region" aria-label="Round ' + d.round + ' scores"><table><thead><tr><th scope="col">Player</th><th scope="col">Declared</th><th scope="col">Won</th>'
      + '<th scope="col">Why</th><th scope="col">Points</th><th scope="col">Total</th></tr></thead><tbody>' + rows + '</tbody></table></div>'
      + '<button id="close-summary" class="secondary">Close</button></section>';
  }

  /** The end of the game: the players ranked by score (ties share a place), and why it ended. */
  function gameOverPanel(over, g, ctx, esc) {
    const scores = over.scores || [];
    const order = scores.map((x, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
    const rows = order.map((i) => {
      const place = 1 + scores.filter((x) => x > scores[i]).length;
      return '<tr class="' + (place === 1 ? 'winner' : '') + (i === ctx.seat ? ' me' : '') + '" data-seat="' + i + '"><td class="place">' + place + '.</td>'
        + '<th scope="row">' + esc(ctx.seatName(i)) + '</th><td class="score final-score">' + scores[i] + '</td></tr>';
    }).join('');
    const reason = ctx.endedBy ? 'An operator ended the game: ' + (ctx.overReason || '') + '.'
      : ctx.overReason === 'win_score'
      ? 'A player reached ' + g.winScore + ' points.'
      : ctx.overReason === 'max_rounds' ? 'All ' + g.maxRounds + ' rounds were played.' : '';
    const winners = (over.winners || []).map((w) => esc(ctx.seatName(w)));
    return '<section id="game-over" class="game-over" aria-labelledby="game-over-title"><h3 id="game-over-title">Game over</h3><p>'
      + (winners.join(' and ') || 'Nobody') + ' win' + (winners.length === 1 ? 's' : '') + '. <span id="over-reason">' + esc(reason) + '</span></p>'
      + '<table class="ranking"><caption>Final scores</caption><thead><tr><th scope="col">Place</th><th scope="col">Player</th><th scope="col">Score</th></tr></thead>'
      + '<tbody>' + rows + '</tbody></table>'
      + (ctx.replay ? '</section>'
        : '<p class="row"><button id="play-again">Play again</button> <button id="back-to-lobby" class="secondary">Back to the lobby</button></p>'
        + '<p class="hint">Play again opens a new room with the same name and options, seats you and fills the other seats with bots.</p></section>');
  }

  const RULES = '<details id="rules" class="rules"><summary>How to play</summary>'
    + '<p>Four players, 32 pieces, 8 each. Each piece has a value (red general 14 down to black soldier 1).</p>'
    + '<p><b>Declare</b> how many piles (0–8) you expect to win this round. The last to declare may not make the total 8; '
    + 'after two rounds at zero you must declare at least 1.</p>'
    + '<p><b>Turns.</b> The leader plays 1–6 pieces of one kind of play; the others then play as many pieces. Only a play of the '
    + 'same kind competes; the rest is discarded. The highest value wins (the earlier on a tie) and takes one pile per piece played.</p>'
    + '<p><b>Plays</b>, weakest kind first: single; pair (same name and colour); three soldiers; straight (general, advisor, elephant or '
    + 'chariot, horse, cannon of one colour); four soldiers; extended straight (4 or 5 pieces of one straight group); five soldiers; '
    + 'double straight (two each of chariot, horse, cannon).</p>'
    + '<p><b>Scoring</b> per round: declared exactly → declared + 5; declared 0 and won nothing → +3; otherwise minus the difference '
    + '(declared 0 but won piles: minus the piles). A redeal, which a player with no piece above 9 may ask for, multiplies the round\'s '
    + 'points by 2, 3, …</p>'
    + '<p>The game ends after the round in which someone reaches the target score (or after the last round); the highest score wins. '
    + 'If you do not move in time, a bot makes that move for you.</p></details>';

  function scoreTable(g, ctx, esc) {
    const seats = ctx.room.seats.length;
    let rows = '';
    for (let i = 0; i < seats; i++) {
      const decl = g.declarations && g.declarations[i] >= 0 ? g.declarations[i] : '–';
      const classes = [i === g.toMove ? 'to-move' : '', i === ctx.seat ? 'me' : '',
        (g.winners || []).indexOf(i) >= 0 ? 'winner' : ''].join(' ');
      const x = ctx.room.seats[i];
      rows += '<tr class="' + classes + '" data-seat="' + i + '"><td>' + esc(ctx.seatName(i))
        + (i === g.toMove && g.phase !== 'GAME_OVER' ? '<span class="visually-hidden"> (to play)</span>' : '')
        + (x && x.bot ? ' <span class="tag">bot</span>' : '')
        + (x && x.playerId && !x.connected ? ' <span class="tag away">away</span>' : '') + '</td>'
        + '<td>' + decl + '</td><td>' + ((g.pilesWon || [])[i] || 0) + '</td><td>' + ((g.handSizes || [])[i] || 0) + '</td>'
        + '<td class="score">' + ((g.scores || [])[i] || 0) + '</td></tr>';
    }
    return '<div class="scroll" tabindex="0" role="region" aria-label="Scores"><table class="scores"><thead><tr><th>Player</th><th>Declared</th><th>Piles</th><th>Hand</th><th>Score</th></tr></thead>'
      + '<tbody>' + rows + '</tbody></table></div>';
  }

  /**
   * The turn on the table. The events' own account (ctx.trick, play by play) comes first: a
   * finished turn stays there, its winner marked, until the next is under way; after a snapshot,
   * the state's turn or last turn.
   */
  function tableArea(g, ctx, esc) {
    const trick = ctx.trick;
    if (trick && trick.plays.length) {
      const won = trick.winner >= 0;
      const leading = won ? trick.winner : g.turn && g.turn.number === trick.turn ? g.turn.winning : -1;
      const title = won ? 'Turn ' + trick.turn + ': ' + esc(ctx.seatName(trick.winner)) + ' wins ' + trick.piles + ' pile' + (trick.piles === 1 ? '' : 's')
        : 'Turn ' + trick.turn + (trick.plays[0].type ? ' · ' + esc(typeName(trick.plays[0].type)) : '');
      const plays = trick.plays.map((p, i) => '<div class="play' + (p.competes ? '' : ' discarded') + (p.seat === leading ? ' winning' : '')
        + (i === trick.plays.length - 1 && !won ? ' latest' : '') + '" data-seat="' + p.seat + '"><span class="who">' + esc(ctx.seatName(p.seat))
        + (p.competes ? '' : ' <small>discards</small>') + '</span>' + pieces(p.pieces, esc) + '</div>').join('');
      return '<div class="table-area' + (won ? ' won' : '') + '" id="table" data-turn="' + trick.turn + '"' + (won ? ' data-winner="' + trick.winner + '"' : '')
        + '><h3>' + title + '</h3>' + plays + '</div>';
    }
    const t = g.turn && g.turn.plays && g.turn.plays.length ? g.turn : null;
    const shown = t || g.lastTurn;
    if (!shown) {
      return '<div class="table-area" id="table"><p class="hint">No pieces on the table yet.</p></div>';
    }
    const title = t ? 'Turn ' + t.number + (t.type ? ' · ' + t.type.toLowerCase().replace(/_/g, ' ') : '')
      : 'Last turn ' + shown.number + ': ' + esc(ctx.seatName(shown.winner)) + ' took ' + shown.piles + ' pile' + (shown.piles === 1 ? '' : 's');
    const plays = shown.plays.map((p) => '<div class="play' + (p.competes ? '' : ' discarded')
      + ((t ? t.winning : shown.winner) === p.seat ? ' winning' : '') + '"><span class="who">' + esc(ctx.seatName(p.seat)) + '</span>'
      + pieces(p.pieces, esc) + '</div>').join('');
    return '<div class="table-area" id="table"><h3>' + title + '</h3>' + plays + '</div>';
  }

  function actionArea(g, ctx, esc) {
    const allowed = ctx.allowed || [];
    if (ctx.replay) {
      return '';
    }
    if (ctx.result || g.phase === 'GAME_OVER') {
      return '';
    }
    if (allowed.length === 0) {
      return '<div class="actions"><p class="hint" id="waiting">Waiting for ' + esc(ctx.seatName(g.toMove)) + '…</p></div>';
    }
    let html = '<div class="actions" id="your-move"><h3>Your move'
      + (ctx.deadline ? ' <span class="countdown" id="countdown">' + (allowed.indexOf('redeal_request') >= 0 ? 'hand kept in ' : 'a bot moves for you in ')
        + '<span data-until="' + ctx.deadline + '">' + Math.max(0, Math.ceil((ctx.deadline - Date.now()) / 1000)) + '</span> s</span>' : '')
      + '</h3>';
    if (allowed.indexOf('redeal_request') >= 0) {
      html += '<p>Your hand is weak (no piece above 9). Ask for a redeal? The round would count ×' + (g.multiplier + 1) + '.</p>'
        + '<button id="redeal-request" data-action="redeal_request">Ask for a redeal</button> '
        + '<button id="redeal-decline" data-action="redeal_decline" class="secondary">Keep my hand</button>';
    }
    if (allowed.indexOf('declare') >= 0) {
      html += '<p>How many piles will you win this round?</p>'
        + (g.declareOptions || []).map((n) => '<button class="declare" data-piles="' + n + '" data-key="declare-' + n + '">' + n + '</button>').join(' ');
    }
    if (allowed.indexOf('play') >= 0) {
      const count = g.turn ? g.turn.pieceCount : 0;
      html += '<p>' + (count ? 'Play ' + count + ' piece' + (count === 1 ? '' : 's') + ' (a ' + esc((g.turn.type || '').toLowerCase().replace(/_/g, ' '))
        + ' to compete, anything else is discarded).' : 'Lead with a valid play of 1 to 6 pieces.') + '</p>';
      const options = g.playOptions || [];
      if (options.length) {
        html += '<div class="options">' + options.slice(0, 24).map((o, i) => '<button class="play-option" data-option="' + i + '" data-key="option-' + i + '"'
          + (o.beatsCurrent ? ' data-beats="true"' : '') + '>' + pieces(o.pieces, esc) + '<small>' + esc(o.type.toLowerCase().replace(/_/g, ' '))
          + ' · ' + o.value + (o.beatsCurrent ? ' · wins so far' : '') + '</small></button>').join('') + '</div>';
      }
      html += '<p><button id="play-selected" disabled>Play selected pieces</button> <span class="hint">or pick pieces in your hand</span></p>';
    }
    return html + '</div>';
  }

  function render(el, ctx) {
    const esc = ctx.esc;
    const g = ctx.game;
    if (!g) {
      el.innerHTML = '<p class="hint" tabindex="-1" data-focus-home>Waiting for the game…</p>';
      return;
    }
    if (local.roomId !== ctx.room.roomId) {
      local.roomId = ctx.room.roomId;
      local.confirmLeave = false;
    }
    values = g.pieceValues || values;
    const hand = g.hand || [];
    const key = hand.join(',') + '|' + g.round + '|' + (g.turn ? g.turn.number : '');
    if (key !== local.handKey) {
      local.handKey = key;
      local.selected = [];
    }
    const canPlay = (ctx.allowed || []).indexOf('play') >= 0;
    const handHtml = hand.map((p, i) => piece(p, esc, ' data-index="' + i + '" data-key="piece-' + i + '"'
      + (local.selected.indexOf(i) >= 0 ? ' data-selected="true"' : '')
      + (canPlay ? ' role="button" tabindex="0" aria-pressed="' + (local.selected.indexOf(i) >= 0) + '"' : ''))).join('');
    // Oldest first, as it happened; the box keeps the newest in view.
    const log = (ctx.replay ? ctx.replayLog || [] : ctx.log.map((e) => describe(e, ctx)).filter((t) => t))
      .map((t) => '<li>' + esc(t) + '</li>').join('');
    const over = ctx.result || (g.phase === 'GAME_OVER' ? { scores: g.scores, winners: g.winners } : null);
    const overHtml = over ? gameOverPanel(over, g, ctx, esc) : '';
    const leaveHtml = over || ctx.replay ? ''
      : local.confirmLeave
        ? '<p class="confirm-leave" id="confirm-leave">Leave for good? A bot takes your seat for the rest of the game. '
          + '<button id="leave-confirmed">Leave for good</button> <button id="leave-cancel" class="secondary">Stay</button></p>'
        : '<p><button id="leave" class="secondary">Leave the game</button> <span class="hint">a bot takes your seat</span></p>';
    el.innerHTML =
      '<div class="game-head"><h2 tabindex="-1" data-focus-home>' + esc(ctx.room.name) + '</h2>'
      + '<span id="game-phase" data-phase="' + esc(g.phase) + '">' + esc(PHASES[g.phase] || g.phase) + '</span>'
      + ' · round <span id="round">' + g.round + '</span> of ' + g.maxRounds
      + (g.multiplier > 1 ? ' · <b>×' + g.multiplier + '</b>' : '')
      + (ctx.room.state === 'PAUSED' ? ' · <b class="paused">paused</b>' : '') + '</div>'
      + RULES
      + overHtml
      + (over ? '' : summaryPanel(ctx, esc))
      + '<div class="board">' + scoreTable(g, ctx, esc) + tableArea(g, ctx, esc) + '</div>'
      + (over ? '' : '<div class="dock' + ((ctx.allowed || []).length ? ' mine' : '') + '">'
      + actionArea(g, ctx, esc)
      + '<div class="hand"><h3>' + (ctx.replay ? esc(ctx.seatName(ctx.seat)) + '\'s hand' : 'Your hand') + (g.weakHand && g.phase === 'PREPARATION' ? ' <span class="tag">weak</span>' : '') + '</h3><div id="hand">'
      + (handHtml || '<span class="hint">empty</span>') + '</div></div></div>')
      + '<h3 id="log-title">What happened</h3><ol class="log" tabindex="0" aria-labelledby="log-title">' + log + '</ol>'
      + leaveHtml;
    const logEl = el.querySelector('.log');
    logEl.scrollTop = logEl.scrollHeight;
    const rules = el.querySelector('#rules');
    rules.open = !!local.rulesOpen;
    rules.ontoggle = () => {
      local.rulesOpen = rules.open;
    };

    el.querySelectorAll('[data-action]').forEach((b) => {
      b.onclick = () => ctx.act(b.dataset.action, {});
    });
    el.querySelectorAll('button.declare').forEach((b) => {
      b.onclick = () => ctx.act('declare', { piles: Number(b.dataset.piles) });
    });
    el.querySelectorAll('button.play-option').forEach((b) => {
      b.onclick = () => ctx.act('play', { pieces: g.playOptions[Number(b.dataset.option)].pieces });
    });
    const count = g.turn ? g.turn.pieceCount : 0;
    const playSelected = el.querySelector('#play-selected');
    if (playSelected) {
      const n = local.selected.length;
      playSelected.disabled = !(count ? n === count : n >= 1 && n <= 6);
      playSelected.onclick = () => ctx.act('play', { pieces: local.selected.map((i) => hand[i]) });
    }
    if (canPlay) {
      el.querySelectorAll('#hand .piece').forEach((p) => {
        const toggle = () => {
          const i = Number(p.dataset.index);
          const at = local.selected.indexOf(i);
          if (at >= 0) {
            local.selected.splice(at, 1);
          } else {
            local.selected.push(i);
          }
          render(el, ctx);
          const again = el.querySelector('#hand [data-index="' + i + '"]');
          if (again) {
            again.focus();
          }
        };
        p.onclick = toggle;
        p.onkeydown = (e) => {
          if (e.key === 'Enter' || e.key === ' ') {
            e.preventDefault();
            toggle();
          }
        };
      });
    }
    if (!ctx.online) {
      el.querySelectorAll('button').forEach((b) => {
        b.disabled = true;
      });
    }
    const back = el.querySelector('#back-to-lobby');
    if (back) {
      back.onclick = ctx.leave;
      el.querySelector('#play-again').onclick = ctx.playAgain;
    }
    const closeSummary = el.querySelector('#close-summary');
    if (closeSummary) {
      closeSummary.onclick = ctx.closeSummary;
    }
    const leave = el.querySelector('#leave');
    if (leave) {
      leave.onclick = () => {
        local.confirmLeave = true;
        render(el, ctx);
        el.querySelector('#leave-cancel').focus();
      };
    }
    const confirmed = el.querySelector('#leave-confirmed');
    if (confirmed) {
      confirmed.onclick = () => {
        local.confirmLeave = false;
        ctx.leave();
      };
      el.querySelector('#leave-cancel').onclick = () => {
        local.confirmLeave = false;
        render(el, ctx);
        el.querySelector('#leave').focus();
      };
    }
  }

  /** A replay's step in words (app.js shows it above the table and in the log). */
  function describeStep(step, name) {
    const who = step.seat >= 0 ? name(step.seat) : 'The game';
    const args = step.args || {};
    const forThem = step.cause === 'idle' || step.cause === 'away' ? ' (a bot moved for them)' : '';
    switch (step.action) {
      case 'start':
        return 'The pieces are dealt.';
      case 'declare':
        return who + ' declares ' + args.piles + ' pile' + (args.piles === 1 ? '' : 's') + forThem + '.';
      case 'play':
        return who + ' plays ' + (args.pieces || []).map(pieceName).join(', ') + forThem + '.';
      case 'redeal_request':
        return who + ' asks for a redeal' + forThem + '.';
      case 'redeal_decline':
        return who + ' keeps the hand' + forThem + '.';
      default:
        return null;
    }
  }

  window.LudusGames = window.LudusGames || {};
  window.LudusGames['liap-tui'] = { render: render, describeStep: describeStep };
}());
