"""Exercise animations as files: drawn in the drawing process (never on the event loop), kept
on disk under their content key and drawn again only when the pose data or the renderer
changes. A folder that cannot be written (a read-only container) just means drawing in memory;
a drawing that fails means no picture, with a warning in the log, never an error to the person.
"""

from __future__ import annotations

import asyncio
import logging
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from content.poses import Animation, Animations
from media.animation import animation_key, render_animation
from media.process import DrawingProcess

log = logging.getLogger(__name__)

GIF_MAGIC = (b"GIF87a", b"GIF89a")
Render = Callable[[Animation], bytes]


def default_media_dir() -> Path:
    """Where files are cached when no folder is configured: one per user in the temp folder."""
    return Path(tempfile.gettempdir()) / f"kneecoach-media-{os.getuid()}"


class AnimationFiles:
    """The animation GIFs, cached on disk by content key and drawn only when missing."""

    def __init__(
        self,
        animations: Animations,
        drawing: DrawingProcess,
        directory: Path | None,
        render: Render = render_animation,
    ) -> None:
        """render must be a module-level function: it runs in the drawing process."""
        self._animations = {(item.exercise, item.level): item for item in animations}
        self._keys = {where: animation_key(item) for where, item in self._animations.items()}
        self.drawing, self.render = drawing, render
        self.directory = _usable(directory)
        self._writable = self.directory is not None

    def key(self, exercise: str, level: int) -> str | None:
        """The content key of the level's animation (None if it has none)."""
        return self._keys.get((exercise, level))

    @staticmethod
    def filename(exercise: str, level: int) -> str:
        """The file name the person sees for a level's animation."""
        return f"{exercise}-{level}.gif"

    async def gif(self, exercise: str, level: int) -> bytes | None:
        """The level's animation as GIF bytes, or None (logged) if it cannot be had."""
        animation, key = self._animations.get((exercise, level)), self.key(exercise, level)
        if animation is None or key is None:
            log.warning("no animation for %s level %d", exercise, level)
            return None
        path = self._path(exercise, level, key)
        if path is not None:
            cached = await asyncio.to_thread(_read, path)
            if cached is not None and cached.startswith(GIF_MAGIC):
                return cached
        try:
            data = await self.drawing.run(self.render, animation)
        except Exception as error:
            log.warning("drawing the animation of %s level %d failed: %r", exercise, level, error)
            return None
        if not isinstance(data, bytes) or not data.startswith(GIF_MAGIC):
            log.warning("the animation of %s level %d is not a GIF; not sent", exercise, level)
            return None
        if path is not None and self._writable:
            await asyncio.to_thread(self._store, path, data)
        return data

    def _path(self, exercise: str, level: int, key: str) -> Path | None:
        if self.directory is None:
            return None
        return self.directory / f"{exercise}-{level}-{key}.gif"

    def _store(self, path: Path, data: bytes) -> None:
        """Write the file whole (a reader never sees half of it) and drop older versions."""
        try:
            stale = [
                old
                for old in path.parent.glob(path.name.rsplit("-", 1)[0] + "-*.gif")
                if old != path
            ]
            with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".part", delete=False) as out:
                out.write(data)
            Path(out.name).replace(path)
            for old in stale:
                old.unlink(missing_ok=True)
        except OSError as error:
            log.warning("cannot cache animations in %s (%s): drawing them in memory", path, error)
            self._writable = False


def _usable(directory: Path | None) -> Path | None:
    if directory is None:
        return None
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        if directory.is_dir():
            return directory  # read-only, perhaps with files made earlier: read them
        log.warning("cannot use %s for animations (%s): drawing them in memory", directory, error)
        return None
    return directory


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
