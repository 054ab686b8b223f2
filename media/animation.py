"""Looping GIFs of a simple figure doing each exercise level, drawn from content/data/poses.toml.

render_animation() is a pure function from pose data to GIF bytes, so a caller can cache the
files on disk under animation_key(), which changes whenever the pose data or this renderer
changes. Frames are drawn at three times the size and scaled down, which smooths every edge.

    python -m media.animation OUTDIR   writes every GIF and one contact sheet per exercise
"""

from __future__ import annotations

import hashlib
import io
import math
import sys
import time
from collections.abc import Callable, Sequence
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

from content.catalogue import load_catalogue
from content.poses import Animation, Prop, load_animations
from media import figure
from media.figure import Body, Vec

if TYPE_CHECKING:
    from PIL import Image

WIDTH = 320  # pixels; the pictures are square
FRAME_MS = 80  # 12.5 frames a second; GIF timing counts hundredths of a second
SUPERSAMPLE = 3
FIGURE_SHARE, FLOOR_SHARE = 0.74, 0.93  # standing height and floor line, of the picture height
PALETTE_COLOURS = 48
TRACE_STEPS = 4  # trace points per frame, so a traced path is smooth
TRACE_WIDTH, ARROW = 0.007, 0.04  # the traced path's half-width, its arrowhead's length

Colour = tuple[int, int, int]
BACKGROUND: Colour = (247, 245, 240)
FLOOR, FLOOR_LINE = (236, 232, 224), (214, 208, 198)
BODY, BODY_FAR, SHORTS = (47, 72, 96), (118, 140, 162), (30, 42, 56)
ACCENT, ACCENT_FAR = (226, 96, 52), (234, 138, 100)
PROP_SHADES: tuple[Colour, ...] = ((196, 192, 185), (170, 165, 157), (220, 216, 209))
LOAD, LOAD_LIGHT = (66, 68, 72), (112, 115, 120)
TRACE: Colour = (58, 150, 196)
FLAT_COLOURS: tuple[Colour, ...] = (
    *(BACKGROUND, FLOOR, FLOOR_LINE, BODY, BODY_FAR, SHORTS, ACCENT, ACCENT_FAR),
    *(*PROP_SHADES, LOAD, LOAD_LIGHT, TRACE),
)

# (radius at the start, radius at the end) of each part, as a share of the person's height
THIGH_R, SHIN_R = (0.034, 0.026), (0.026, 0.019)
UPPER_ARM_R, FOREARM_R, NECK_R = (0.022, 0.018), (0.018, 0.015), 0.022
GAP = 0.008  # the background-coloured outline that separates overlapping parts


class _Canvas:
    """The supersampled drawing surface of one view, in the person's height units."""

    def __init__(self, view: str, centre: float, width: int) -> None:
        self.size = width * SUPERSAMPLE
        self.scale = self.size * FIGURE_SHARE
        self.floor = self.size * FLOOR_SHARE
        self.front = view == "front"
        self.offset = self.size / 2 - centre * self.scale
        from PIL import Image, ImageDraw  # in the drawing process only (the bot never needs PIL)

        self.image = Image.new("RGB", (self.size, self.size), BACKGROUND)
        self.draw = ImageDraw.Draw(self.image)
        self.draw.rectangle((0, self.floor, self.size, self.size), fill=FLOOR)
        self.draw.line((0, self.floor, self.size, self.floor), fill=FLOOR_LINE, width=SUPERSAMPLE)

    def point(self, vec: Vec) -> tuple[float, float]:
        across = vec.z if self.front else vec.x
        return self.offset + across * self.scale, self.floor - vec.y * self.scale

    def depth(self, vec: Vec) -> float:
        """Larger is nearer the viewer (side view: the person's right side faces you)."""
        return vec.x if self.front else -vec.z

    def capsule(self, start: Vec, end: Vec, radii: tuple[float, float], fill: Colour) -> None:
        """A limb: two discs joined by their tangents, so it tapers from one end to the other."""
        (x1, y1), (x2, y2) = self.point(start), self.point(end)
        r1, r2 = radii[0] * self.scale, radii[1] * self.scale
        length = math.hypot(x2 - x1, y2 - y1)
        if length > 1e-6:
            nx, ny = -(y2 - y1) / length, (x2 - x1) / length
            quad = [(x1 + nx * r1, y1 + ny * r1), (x2 + nx * r2, y2 + ny * r2)]
            quad += [(x2 - nx * r2, y2 - ny * r2), (x1 - nx * r1, y1 - ny * r1)]
            self.draw.polygon(quad, fill=fill)
        self._disc(x1, y1, r1, fill)
        self._disc(x2, y2, r2, fill)

    def disc(self, centre: Vec, radius: float, fill: Colour) -> None:
        x, y = self.point(centre)
        self._disc(x, y, radius * self.scale, fill)

    def _disc(self, x: float, y: float, radius: float, fill: Colour) -> None:
        self.draw.ellipse((x - radius, y - radius, x + radius, y + radius), fill=fill)

    def rounded_hull(self, points: Sequence[Vec], radius: float, fill: Colour) -> None:
        hull = _convex_hull([self.point(point) for point in points])
        r = radius * self.scale
        if len(hull) > 2:
            self.draw.polygon(hull, fill=fill)
        for index, (x, y) in enumerate(hull):
            nx, ny = hull[(index + 1) % len(hull)]
            self.draw.line((x, y, nx, ny), fill=fill, width=round(2 * r))
            self._disc(x, y, r, fill)

    def arrowhead(self, start: Vec, end: Vec, grow: float, fill: Colour) -> None:
        """A small arrowhead at end, pointing away from start; nothing if they coincide."""
        (x1, y1), (x2, y2) = self.point(start), self.point(end)
        length = math.hypot(x2 - x1, y2 - y1)
        if length < 0.002 * self.scale:
            return
        size = (ARROW + 3 * grow) * self.scale
        dx, dy = (x2 - x1) / length * size, (y2 - y1) / length * size
        tip = (x2 + dx * 0.6, y2 + dy * 0.6)
        base = (x2 - dx * 0.4, y2 - dy * 0.4)
        wing = (-dy * 0.55, dx * 0.55)
        corners = [
            tip,
            (base[0] + wing[0], base[1] + wing[1]),
            (base[0] - wing[0], base[1] - wing[1]),
        ]
        self.draw.polygon(corners, fill=fill)

    def box(self, low: Vec, high: Vec, fill: Colour) -> None:
        (x1, y1), (x2, y2) = self.point(low), self.point(high)
        shape = (min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2))
        self.draw.rounded_rectangle(shape, radius=0.008 * self.scale, fill=fill)

    def finish(self, width: int) -> Image.Image:
        from PIL import Image

        return self.image.resize((width, width), Image.Resampling.LANCZOS)


def _convex_hull(points: list[tuple[float, float]]) -> list[tuple[float, float]]:
    ordered = sorted(set(points))
    if len(ordered) < 3:
        return ordered

    def turn(o: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower: list[tuple[float, float]] = []
    upper: list[tuple[float, float]] = []
    for point in ordered:
        while len(lower) >= 2 and turn(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(ordered):
        while len(upper) >= 2 and turn(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    return lower[:-1] + upper[:-1]


# A part of the figure drawn as one piece: paint(canvas, grow, colour) draws it grown by `grow`
# in `colour`, or at its size in its own colours when colour is None. Each part is first drawn
# grown in the background colour, which leaves a thin gap wherever it overlaps another part.
Paint = Callable[[_Canvas, float, Colour | None], None]


def _limb_colour(animation: Animation, canvas: _Canvas, side: str, is_leg: bool) -> Colour:
    far = not canvas.front and side == "left"
    if is_leg and animation.working in (side, "both"):
        return ACCENT_FAR if far else ACCENT
    return BODY_FAR if far else BODY


def _grown(radii: tuple[float, float], grow: float) -> tuple[float, float]:
    return radii[0] + grow, radii[1] + grow


def _leg_paint(leg: figure.LegPoints, own: Colour) -> Paint:
    def paint(canvas: _Canvas, grow: float, colour: Colour | None) -> None:
        fill = colour or own
        canvas.capsule(leg.hip, leg.knee, _grown(THIGH_R, grow), fill)
        canvas.capsule(leg.knee, leg.ankle, _grown(SHIN_R, grow), fill)
        sole = (leg.heel, leg.toe + leg.toe_width, leg.toe - leg.toe_width)
        canvas.rounded_hull(sole, figure.FOOT_RADIUS + grow, fill)

    return paint


def _arm_paint(arm: figure.ArmPoints, own: Colour) -> Paint:
    def paint(canvas: _Canvas, grow: float, colour: Colour | None) -> None:
        fill = colour or own
        canvas.capsule(arm.shoulder, arm.elbow, _grown(UPPER_ARM_R, grow), fill)
        canvas.capsule(arm.elbow, arm.wrist, _grown(FOREARM_R, grow), fill)
        hand = figure.HAND_RADIUS + grow
        canvas.capsule(arm.wrist, arm.hand, (hand, hand), fill)

    return paint


def _torso_paint(body: Body) -> Paint:
    def paint(canvas: _Canvas, grow: float, colour: Colour | None) -> None:
        neck = (NECK_R + grow, NECK_R + grow)
        canvas.capsule(body.neck - body.trunk_frame.up * 0.05, body.neck, neck, colour or BODY)
        canvas.disc(body.head, figure.HEAD_RADIUS + grow, colour or BODY)
        canvas.rounded_hull(body.torso, figure.TORSO_ROUNDING + grow, colour or BODY)
        canvas.rounded_hull(body.hips, figure.TORSO_ROUNDING + grow, colour or SHORTS)

    return paint


def _load_paint(kind: str, size: float, hand: Vec, pair: bool) -> Paint:
    """A weight hangs from the hand: a dumbbell by its handle (by its top end when both hands
    hold it), a kettlebell by its handle."""

    def paint(canvas: _Canvas, grow: float, colour: Colour | None) -> None:
        if kind == "kettlebell":
            radius = 0.045 * size
            canvas.capsule(
                hand, hand - figure.UP * 0.04, (0.02 + grow, 0.03 + grow), colour or LOAD
            )
            canvas.disc(hand - figure.UP * 0.02, 0.011, colour or BACKGROUND)
            canvas.disc(hand - figure.UP * (0.035 + radius), radius + grow, colour or LOAD)
            return
        radius, half = (0.036 if pair else 0.032) * size + grow, 0.015 + grow
        axis = figure.UP if pair else figure.FORWARD
        centre = hand - figure.UP * 0.08 if pair else hand
        handle = (0.009 + grow, 0.009 + grow)
        canvas.capsule(centre - axis * 0.065, centre + axis * 0.065, handle, colour or LOAD_LIGHT)
        across = (figure.LEFT if canvas.front else figure.FORWARD) if pair else figure.UP
        for end in (-1, 1):
            plate = centre + axis * (0.05 * end)
            if canvas.front and not pair:  # the handle points at you: a plate seen face on
                canvas.disc(plate, radius, colour or LOAD)
            else:
                reach = across * (radius - half)
                canvas.capsule(plate - reach, plate + reach, (half, half), colour or LOAD)

    return paint


def _draw_body(animation: Animation, canvas: _Canvas, body: Body) -> None:
    parts: list[tuple[float, Paint]] = [(canvas.depth(body.pelvis) - 0.001, _torso_paint(body))]
    for side in figure.SIDES:
        leg, arm = body.legs[side], body.arms[side]
        leg_depth = sum(canvas.depth(point) for point in (leg.hip, leg.knee, leg.ankle)) / 3
        arm_depth = sum(canvas.depth(point) for point in (arm.shoulder, arm.elbow, arm.wrist)) / 3
        leg_colour = _limb_colour(animation, canvas, side, is_leg=True)
        parts.append((leg_depth, _leg_paint(leg, leg_colour)))
        arm_colour = _limb_colour(animation, canvas, side, is_leg=False)
        parts.append((arm_depth, _arm_paint(arm, arm_colour)))
    for load in animation.loads:
        hands = figure.SIDES if load.hand == "both" else (load.hand,)
        points = [body.arms[side].hand for side in hands]
        hand = figure.blend([(1 / len(points), point) for point in points])
        depth = max(canvas.depth(point) for point in points) + 0.01
        parts.append((depth, _load_paint(load.kind, load.size, hand, pair=len(points) == 2)))
    for _, paint in sorted(parts, key=lambda part: part[0]):
        paint(canvas, GAP, BACKGROUND)
        paint(canvas, 0.0, None)


def _trace_point(animation: Animation, body: Body) -> Vec:
    if animation.trace == "pelvis":
        return body.pelvis
    return body.legs["left" if animation.trace == "left_foot" else "right"].ankle


def _frame_count(animation: Animation) -> int:
    return max(2, round(animation.loop_seconds * 1000 / FRAME_MS))


def _centre(animation: Animation, front: bool) -> float:
    """The middle, across the picture, of everything the loop shows, to centre it."""
    across: list[float] = []
    for index in range(12):
        body = figure.pose_body(animation, animation.loop_seconds * index / 12)
        points = [body.head, *body.torso]
        for side in figure.SIDES:
            leg, arm = body.legs[side], body.arms[side]
            points += [leg.knee, leg.heel, leg.toe, arm.elbow, arm.hand]
        across += [point.z if front else point.x for point in points]
    for prop in animation.props:
        if prop.kind != "wall":
            for box in figure.prop_boxes(prop):
                across += [box.low.z, box.high.z] if front else [box.low.x, box.high.x]
        elif _drawn_in_view(prop, front):
            across.append(prop.at[1] if front else prop.at[0])
    return (min(across) + max(across)) / 2


def _drawn_in_view(prop: Prop, front: bool) -> bool:
    """Whether a prop is drawn in this view: a wall is, unless it is the backdrop behind the
    person (or the wall between them and you)."""
    return prop.kind != "wall" or figure.wall_in_front(prop) != front


def _frames(animation: Animation, times: Sequence[float], width: int) -> list[Image.Image]:
    centre = _centre(animation, animation.view == "front")
    trace: list[tuple[float, Vec | None]] = []
    if animation.trace is not None:
        steps = _frame_count(animation) * TRACE_STEPS
        for step in range(steps + 1):
            seconds = animation.loop_seconds * step / steps
            _, leaving, _ = figure.timeline(animation, seconds)
            pen = animation.poses[leaving].trace
            point = _trace_point(animation, figure.pose_body(animation, seconds))
            trace.append((seconds, point if pen else None))
    frames = []
    for seconds in times:
        canvas = _Canvas(animation.view, centre, width)
        for prop in animation.props:
            if not _drawn_in_view(prop, canvas.front):
                continue
            boxes = sorted(figure.prop_boxes(prop), key=lambda box: canvas.depth(box.high))
            for box in boxes:
                canvas.box(box.low, box.high, PROP_SHADES[box.shade])
        _draw_body(animation, canvas, figure.pose_body(animation, seconds))
        _draw_trace(canvas, [point for moment, point in trace if moment <= seconds + 1e-9])
        frames.append(canvas.finish(width))
    return frames


def _draw_trace(canvas: _Canvas, path: list[Vec | None]) -> None:
    """The path so far (None where the pen is lifted), with an arrowhead on its moving end."""
    for grow, colour in ((GAP, BACKGROUND), (0.0, TRACE)):
        width = (TRACE_WIDTH + grow, TRACE_WIDTH + grow)
        for start, end in pairwise(path):
            if start is not None and end is not None:
                canvas.capsule(start, end, width, colour)
        tail, head = (
            (path[-TRACE_STEPS - 1], path[-1]) if len(path) > TRACE_STEPS else (None, None)
        )
        if tail is not None and head is not None and None not in path[-TRACE_STEPS - 1 :]:
            canvas.arrowhead(tail, head, grow, colour)


def render_animation(animation: Animation, width: int = WIDTH) -> bytes:
    """The animation as a looping GIF, all frames sharing one palette so colours never flicker."""
    from PIL import Image

    count = _frame_count(animation)
    seconds = animation.loop_seconds
    frames = _frames(animation, [seconds * index / count for index in range(count)], width)
    # The palette comes from every fourth frame plus a block of each flat colour, so that a
    # colour covering few pixels (a trace, a weight) keeps its exact shade.
    sample = Image.new("RGB", (width, width * (len(frames[::4]) + 1)))
    for index, frame in enumerate(frames[::4]):
        sample.paste(frame, (0, index * width))
    block = width // len(FLAT_COLOURS)
    for index, colour in enumerate(FLAT_COLOURS):
        sample.paste(
            colour,
            (
                index * block,
                len(frames[::4]) * width,
                (index + 1) * block,
                len(frames[::4]) * width + width,
            ),
        )
    palette = sample.quantize(PALETTE_COLOURS, method=Image.Quantize.MEDIANCUT)
    indexed = [frame.quantize(palette=palette, dither=Image.Dither.NONE) for frame in frames]
    output = io.BytesIO()
    indexed[0].save(
        output,
        format="GIF",
        save_all=True,
        append_images=indexed[1:],
        duration=FRAME_MS,
        loop=0,
        optimize=False,
    )
    return output.getvalue()


def render_contact_sheet(rows: Sequence[tuple[str, Animation]], columns: int = 6) -> bytes:
    """A PNG with one row per (caption, animation): frames spread evenly over the loop, so a
    person can check the movement at a glance."""
    from PIL import Image, ImageDraw, ImageFont

    width, caption_height = WIDTH, 34
    sheet = Image.new("RGB", (columns * width, len(rows) * (width + caption_height)), "white")
    draw = ImageDraw.Draw(sheet)
    font = ImageFont.load_default(size=20)
    for row, (caption, animation) in enumerate(rows):
        top = row * (width + caption_height)
        draw.text((10, top + 6), caption, fill=BODY, font=font)
        seconds = animation.loop_seconds
        times = [seconds * column / columns for column in range(columns)]
        for column, frame in enumerate(_frames(animation, times, width)):
            sheet.paste(frame, (column * width, top + caption_height))
            draw.line((column * width, top, column * width, top + width + caption_height))
    output = io.BytesIO()
    sheet.save(output, format="PNG", optimize=True)
    return output.getvalue()


def _renderer_source() -> bytes:
    here = Path(__file__).parent
    return b"".join((here / name).read_bytes() for name in ("animation.py", "figure.py"))


def animation_key(animation: Animation, width: int = WIDTH) -> str:
    """A short hash of the pose data and the renderer's code: a cached file under this key is
    current, and any edit to either gives a new key."""
    digest = hashlib.sha256(animation.model_dump_json().encode())
    digest.update(_renderer_source())
    digest.update(str(width).encode())
    return digest.hexdigest()[:16]


def main(argv: Sequence[str]) -> int:
    """Render every exercise level's GIF and a contact sheet per exercise into OUTDIR, for a
    physiotherapist to look at; prints sizes and timings. Returns the exit status."""
    if len(argv) != 1:
        print("usage: python -m media.animation OUTDIR", file=sys.stderr)
        return 2
    outdir = Path(argv[0])
    outdir.mkdir(parents=True, exist_ok=True)
    catalogue, animations = load_catalogue(), load_animations()
    for exercise in catalogue.exercises:
        rows = []
        for number, level in enumerate(exercise.levels, start=1):
            animation = animations.get(exercise.slug, number)
            started = time.perf_counter()
            gif = render_animation(animation)
            elapsed = time.perf_counter() - started
            (outdir / f"{exercise.slug}-{number}.gif").write_bytes(gif)
            frames = _frame_count(animation)
            print(
                f"{exercise.slug}-{number}.gif  {len(gif) / 1024:6.1f} KB  {frames} frames  "
                f"{elapsed:.2f} s"
            )
            rows.append((f"{exercise.name} · level {number}: {level.label}", animation))
        (outdir / f"{exercise.slug}-sheet.png").write_bytes(render_contact_sheet(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
